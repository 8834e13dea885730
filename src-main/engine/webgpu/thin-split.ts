/**
 * The `km` thin products (LoRA's weight gradients xᵀ·dh: a [d, r] output summed over every token) split over the
 * inner dimension. In one pass (thin-matmul.ts) a [768, 8] gradient gave 48 workgroups, each walking all 2,048
 * rows: on an H100 it took 53-64 µs to read 6 MB, waiting on memory with most of the GPU idle (RESULTS.md,
 * 2026-12-08). Here workgroups take 64 consecutive outputs (256-byte coalesced rows) of one 64-row slice of the inner
 * dimension, so that gradient is 12 x 32 workgroups; each writes its slice's partial sums, and a second pass adds
 * the slices in order. No atomics: the same inputs give the same bits every run.
 */
import type { TensorInfo, WebGpuBackendInternals, WebGpuProgram } from './backend-internals.ts';
import type { ThinSpec } from './thin-matmul.ts';

/** Outputs (of the big operand's row) per workgroup, lanes per inner row, inner rows per slice. */
const COLS = 64;
const GROUPS = 4;
const SLICE = 64;

const smallRead = (spec: ThinSpec) =>
  spec.small === 'kr' ? `Small[k * ${spec.r} + r]` : 'Small[r * uniforms.K + k]';

/** Pass one: partial[s, m, r] = Σ over slice s's rows k of big[k, m]·small(k, r). */
class ThinPartialProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [] as number[], y: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [COLS * GROUPS, 1, 1];
  readonly variableNames = ['Big', 'Small'];
  readonly uniforms = 'M : i32, K : i32,';
  readonly shaderKey: string;
  readonly name = 'studio_thin_partial';

  constructor(private readonly spec: ThinSpec) {
    const slices = Math.ceil(spec.k / SLICE);
    this.outputShape = [slices, spec.m, spec.r];
    this.dispatch = [Math.ceil(spec.m / COLS), slices, 1];
    this.shaderKey = `studio_thin_partial_${spec.small}_${spec.r}`;
  }

  getUserCode(): string {
    const R = this.spec.r;
    const rs = [...Array(R).keys()];
    const steps = SLICE / GROUPS;
    return `
      var<workgroup> part : array<f32, ${COLS * GROUPS * R}>;
      // f32(): an operand cast from int32 keeps its int32 buffer (tf.js's cast shares it), declared array<i32>.
      fn small(k : i32, r : i32) -> f32 { return f32(${smallRead(this.spec)}); }
      fn main() {
        let M = uniforms.M;
        let K = uniforms.K;
        let tid = i32(localIndex);
        let col = tid % ${COLS};
        let g = tid / ${COLS};
        let m = i32(workgroupId.x) * ${COLS} + col;
        let slice = i32(workgroupId.y);
        var acc : array<f32, ${R}>;
        if (m < M) {
          // A fixed trip count the compiler can unroll: every load of the slice in flight at once.
          for (var i = 0; i < ${steps}; i++) {
            let k = slice * ${SLICE} + g + i * ${GROUPS};
            if (k < K) {
              let a = f32(Big[k * M + m]);
              ${rs.map((r) => `acc[${r}] += a * small(k, ${r});`).join(' ')}
            }
          }
        }
        ${rs.map((r) => `part[tid * ${R} + ${r}] = acc[${r}];`).join(' ')}
        workgroupBarrier();
        for (var o = tid; o < ${COLS * R}; o += ${COLS * GROUPS}) {
          let oc = o % ${COLS};
          let orank = o / ${COLS};
          let om = i32(workgroupId.x) * ${COLS} + oc;
          if (om < M) {
            var t = 0.0;
            for (var q = 0; q < ${GROUPS}; q++) { t += part[(q * ${COLS} + oc) * ${R} + orank]; }
            result[(slice * M + om) * ${R} + orank] = t;
          }
        }
      }`;
  }
}

/** Pass two: the output (as [M, R] or [R, M]) is alpha times the slices' partials added in order. */
class ThinSumProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [256, 1, 1];
  readonly variableNames = ['Partial'];
  readonly uniforms = 'M : i32, slices : i32, alpha : f32,';
  readonly shaderKey: string;
  readonly name = 'studio_thin_sum';
  readonly size = true;

  constructor(
    private readonly spec: ThinSpec,
    outShape: number[],
  ) {
    this.outputShape = outShape;
    this.dispatch = [Math.ceil((spec.m * spec.r) / 256), 1, 1];
    this.shaderKey = `studio_thin_sum_${spec.out}_${spec.r}`;
  }

  getUserCode(): string {
    const R = this.spec.r;
    const [m, r] =
      this.spec.out === 'mr'
        ? [`index / ${R}`, `index % ${R}`]
        : ['index % uniforms.M', 'index / uniforms.M'];
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let m = ${m};
          let r = ${r};
          var t = 0.0;
          for (var s = 0; s < uniforms.slices; s++) { t += Partial[(s * uniforms.M + m) * ${R} + r]; }
          setOutputAtIndex(index, t * uniforms.alpha);
        }
      }`;
  }
}

/** alpha·(the thin product) in the two passes; `outShape` is the product's own shape. */
export function runSplitThin(
  backend: WebGpuBackendInternals,
  spec: ThinSpec,
  big: TensorInfo,
  small: TensorInfo,
  outShape: number[],
  alpha: number,
): TensorInfo {
  const slices = Math.ceil(spec.k / SLICE);
  const partial = backend.runWebGPUProgram(new ThinPartialProgram(spec), [big, small], 'float32', [
    { type: 'int32', data: [spec.m] },
    { type: 'int32', data: [spec.k] },
  ]);
  try {
    return backend.runWebGPUProgram(new ThinSumProgram(spec, outShape), [partial], 'float32', [
      { type: 'int32', data: [spec.m] },
      { type: 'int32', data: [slices] },
      { type: 'float32', data: [alpha] },
    ]);
  } finally {
    backend.disposeData(partial.dataId);
  }
}
