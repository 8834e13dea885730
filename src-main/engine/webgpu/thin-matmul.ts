/**
 * Products with a thin output side on webgpu: LoRA's rank-r products and their gradients (x·A [tokens, r],
 * dy·Bᵀ, xᵀ·dh [d, r], hᵀ·dy [r, d]). tf.js runs them in its small-output program (deterministic-matmul.ts),
 * where each output element is one invocation's loop over the whole inner dimension: 6,144 invocations for a
 * [768, 8] gradient, each walking 2,048 rows, and an explicit transpose of the activations before it
 * (ops/matmul.ts). On an H100 the 96 such products of a BERT-base LoRA step took 3.3 ms, ~33 µs each, for ~6 MB
 * read apiece (test/bench/RESULTS.md, the profile of call 4).
 *
 * Here the large operand is read once, coalesced, in whichever layout it has (no transpose), and the thin one
 * (at most THIN_MAX columns) from cache:
 * - `mk` (the large operand's rows run along the inner dimension, x·A or dy·Bᵀ): 32 lanes split a row's inner
 *   dimension, each lane keeps two rows' partial sums, and the 32 partials are added in workgroup memory.
 * - `km` (its rows run along the output side, the weight gradients xᵀ·dh): two passes split over the inner
 *   dimension across workgroups (thin-split.ts).
 * Each output is added in a fixed order (no atomics), so the same inputs give the same bits every run.
 * STUDIO_THIN_MATMUL=0 leaves these products to tf.js, so one GPU session can time both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import type { TensorInfo, WebGpuProgram } from './backend-internals.ts';
import { runSplitThin } from './thin-split.ts';

/** Output sides up to this many (LoRA ranks up to 16) take the thin program. */
export const THIN_MAX = 16;
/** ...when the inner dimension is at least this long (shorter ones are cheap in tf.js's programs). */
const MIN_INNER = 256;
const WG = 256;
/** `mk`: lanes per row and rows per lane. */
const LANES = 32;
const ROWS_PER_LANE = 2;
const ROWS_PER_WG = (WG / LANES) * ROWS_PER_LANE;

/**
 * The product as C'[M, R] = Σ_k big(m, k) · small(k, r): `big` laid out [M, K] (`mk`) or [K, M] (`km`), `small`
 * [K, R] (`kr`) or [R, K] (`rk`), C' written as [M, R] (`mr`) or [R, M] (`rm`, the product's transpose).
 */
export interface ThinSpec {
  big: 'mk' | 'km';
  small: 'kr' | 'rk';
  out: 'mr' | 'rm';
  m: number;
  k: number;
  r: number;
}

export class ThinMatMulProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly variableNames = ['Big', 'Small'];
  readonly uniforms = 'M : i32, K : i32, alpha : f32,';
  readonly shaderKey: string;
  readonly name = 'studio_thin_matmul';

  constructor(
    private readonly spec: ThinSpec,
    outShape: number[],
  ) {
    if (spec.big !== 'mk') throw new Error('thin product: the km layout runs as two passes (thin-split.ts)');
    this.outputShape = outShape;
    this.dispatch = [Math.ceil(spec.m / ROWS_PER_WG), 1, 1];
    this.shaderKey = `studio_thin_matmul_${spec.big}_${spec.small}_${spec.out}_${spec.r}`;
  }

  getUserCode(): string {
    const { r: R } = this.spec;
    const rs = [...Array(R).keys()];
    const small = this.spec.small === 'kr' ? `Small[k * ${R} + r]` : 'Small[r * uniforms.K + k]';
    // f32(): an operand cast from int32 keeps its int32 buffer (tf.js's cast shares it), declared array<i32>.
    const out = (m: string, r: string) =>
      this.spec.out === 'mr' ? `${m} * ${R} + ${r}` : `${r} * uniforms.M + ${m}`;
    const head = `
      var<workgroup> part : array<f32, ${WG * R}>;
      fn small(k : i32, r : i32) -> f32 { return f32(${small}); }`;
    const rows = [...Array(ROWS_PER_LANE).keys()];
    const fma = rows
      .map(
        (j) => `
        if (row0 + ${j} < M) {
          let a = f32(Big[(row0 + ${j}) * K + k]);
          ${rs.map((r) => `acc[${j * R + r}] += a * s[${r}];`).join(' ')}
        }`,
      )
      .join('');
    const reduce = rows
      .map(
        (j) => `
      ${rs.map((r) => `part[tid * ${R} + ${r}] = acc[${j * R + r}];`).join(' ')}
      workgroupBarrier();
      if (lane < ${R} && row0 + ${j} < M) {
        var t = 0.0;
        for (var l = 0; l < ${LANES}; l++) { t += part[(slot * ${LANES} + l) * ${R} + lane]; }
        result[${out(`(row0 + ${j})`, 'lane')}] = t * uniforms.alpha;
      }
      workgroupBarrier();`,
      )
      .join('');
    return `${head}
    fn main(index : i32) {
      let M = uniforms.M;
      let K = uniforms.K;
      let tid = i32(localId.x);
      let lane = tid % ${LANES};
      let slot = tid / ${LANES};
      let row0 = i32(workgroupId.x) * ${ROWS_PER_WG} + slot * ${ROWS_PER_LANE};
      var acc : array<f32, ${ROWS_PER_LANE * R}>;
      for (var k = lane; k < K; k += ${LANES}) {
        var s : array<f32, ${R}>;
        ${rs.map((r) => `s[${r}] = small(k, ${r});`).join(' ')}
        ${fma}
      }
      ${reduce}
    }`;
  }
}

let enabled = process.env.STUDIO_THIN_MATMUL !== '0';

/** Turns the thin program on or off (tests compare it with tf.js's programs). */
export function setThinMatMul(on: boolean): void {
  enabled = on;
}

/** Whether an m x n x k float32 product of one batch, no epilogue, runs as the thin program on this backend. */
export function thinTakesProduct(m: number, n: number, k: number): boolean {
  return (
    enabled &&
    tf.getBackend() === 'webgpu' &&
    Math.min(m, n) <= THIN_MAX &&
    Math.min(m, n) > 0 &&
    k >= MIN_INNER
  );
}

/**
 * a·b (with transpose flags) as a thin program: the thin side becomes R. With n thin, C = big(a)·small(b); with m
 * thin, Cᵀ = big(bᵀ)·small(aᵀ), written transposed.
 */
export function thinSpec(m: number, n: number, k: number, tA: boolean, tB: boolean): ThinSpec {
  if (n <= THIN_MAX && (n <= m || m > THIN_MAX))
    return { big: tA ? 'km' : 'mk', small: tB ? 'rk' : 'kr', out: 'mr', m, k, r: n };
  return { big: tB ? 'mk' : 'km', small: tA ? 'kr' : 'rk', out: 'rm', m: n, k, r: m };
}

interface Attrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string | null;
}

const leadingOnes = (shape: number[]) => shape.slice(0, -2).every((d) => d === 1);

/** The m x n x k sizes of a·b with transpose flags, if a and b are float32 and of one batch. */
function sizes(a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean): [number, number, number] | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || !leadingOnes(a.shape) || !leadingOnes(b.shape)) return null;
  return productDims(a.shape, b.shape, tA, tB);
}

/** [m, k, n] of a·b with tf.matMul's transpose flags, from the operands' last two dimensions. */
export function productDims(
  aShape: readonly number[],
  bShape: readonly number[],
  tA: boolean,
  tB: boolean,
): [number, number, number] {
  const ra = aShape.length;
  const rb = bShape.length;
  return [
    aShape[tA ? ra - 1 : ra - 2] as number,
    aShape[tA ? ra - 2 : ra - 1] as number,
    bShape[tB ? rb - 2 : rb - 1] as number,
  ];
}

/** Runs a·b·alpha as the thin program (the caller checked {@link thinTakesProduct}). */
function runProgramFor(a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean, alpha: number): TensorInfo {
  const backend = webgpuBackend();
  const dims = sizes(a, b, tA, tB);
  if (!backend || !dims) throw new Error('thin product: needs float32 operands of one batch on webgpu');
  const [m, k, n] = dims;
  const spec = thinSpec(m, n, k, tA, tB);
  const outer = (a.shape.length >= b.shape.length ? a : b).shape.slice(0, -2);
  const [big, small] = spec.out === 'mr' ? [a, b] : [b, a];
  if (spec.big === 'km') return runSplitThin(backend, spec, big, small, [...outer, m, n], alpha);
  const program = new ThinMatMulProgram(spec, [...outer, m, n]);
  const uniforms = [
    { type: 'int32' as const, data: [spec.m] },
    { type: 'int32' as const, data: [spec.k] },
    { type: 'float32' as const, data: [alpha] },
  ];
  return backend.runWebGPUProgram(program, [big, small], 'float32', uniforms);
}

/**
 * `alpha·(a·b)` (transpose flags as tf.matMul's), 2-D: the thin program with the scale applied as each output is
 * written where it takes the product; elsewhere tf.js's product and a multiply. No gradient.
 */
export function scaledProduct(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  tA: boolean,
  tB: boolean,
  alpha: number,
): tf.Tensor2D {
  const [m, k, n] = productDims(a.shape, b.shape, tA, tB);
  if (!thinTakesProduct(m, n, k) || a.dtype !== 'float32' || b.dtype !== 'float32')
    return tf.tidy((): tf.Tensor2D => {
      const p = tf.matMul(a, b, tA, tB) as tf.Tensor2D;
      return alpha === 1 ? p : (p.mul(alpha) as tf.Tensor2D);
    });
  return tf.engine().makeTensorFromTensorInfo(runProgramFor(a, b, tA, tB, alpha)) as tf.Tensor2D;
}

/** The product as the thin program, or null when it is not one (tf.js, or the next wrapper, runs it). */
function runThin(inputs: Record<string, TensorInfo | undefined>, attrs: Attrs): TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = inputs;
  if (!a || !b || bias || preluActivationWeights || (attrs.activation && attrs.activation !== 'linear'))
    return null;
  const tA = attrs.transposeA ?? false;
  const tB = attrs.transposeB ?? false;
  const dims = sizes(a, b, tA, tB);
  if (!dims || !thinTakesProduct(dims[0], dims[2], dims[1]) || !webgpuBackend()) return null;
  return runProgramFor(a, b, tA, tB, 1);
}

const wrapped = new WeakSet<tf.KernelFunc>();

/** Re-registers webgpu's BatchMatMul and _FusedMatMul to send thin products to the thin program. Idempotent. */
export function useThinMatMul(): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const kernel = tf.getKernel(name, 'webgpu');
    if (!kernel || wrapped.has(kernel.kernelFunc)) continue;
    const original = kernel.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) =>
      runThin(args.inputs as Record<string, TensorInfo>, args.attrs as Attrs) ?? original(args);
    wrapped.add(kernelFunc);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...kernel, kernelFunc });
  }
}
