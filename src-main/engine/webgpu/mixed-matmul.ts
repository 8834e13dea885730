/**
 * Mixed-precision matrix products on webgpu: each operand is rounded to f16 as it is staged into workgroup memory,
 * the products of those f16 values are summed in f32, and the output (with a bias and an activation applied in the
 * same dispatch, as tf.js's _FusedMatMul does) is written in f32. That is what PyTorch's autocast does for a matmul
 * on tensor cores (f16 operands, f32 accumulation), without f16 storage: tensors stay f32 in tf.js, so master
 * weights, optimizer state and every other op keep full precision, and only the products change.
 *
 * Two programs with the same numbers (an f16 times an f16 is exact in f32, so only the order of the f32 sums may
 * differ):
 * - `tiled`: 64x64 output tiles, 4x4 per invocation. Needs only `shader-f16` (lavapipe has it, so CI runs it).
 * - `subgroup-matrix`: the tile's products on the GPU's matrix units (Dawn's chromium_experimental_subgroup_matrix,
 *   Vulkan's cooperative matrices: tensor cores on NVIDIA) when the adapter offers an f16 x f16 -> f32 shape and
 *   the product's sizes are whole tiles; the result is stored to the output, then the epilogue runs in place.
 */
import type { WebGpuProgram } from './backend-internals.ts';
import { fullTiling, matrixBody } from './mixed-matmul-matrix.ts';
import type { FullTiling, MatrixShape, MatrixTiling } from './mixed-matmul-matrix.ts';

export type { MatrixShape, MatrixTiling } from './mixed-matmul-matrix.ts';

export type MixedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';

export interface MixedMatMulSpec {
  /** The output's shape: [...batch, m, n]. */
  outShape: number[];
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  hasBias: boolean;
  activation: MixedActivation | null;
  /** Set when the program may use the matrix units: the shape, and the adapter's subgroup size. */
  matrix?: { shape: MatrixShape; subgroupSize: number } | undefined;
}

/** tf.js's activation formulas (unary_op_util.ts, 4.22), on an f32 `a`; prelu reads its weight `b`. */
const ACTIVATIONS: Record<MixedActivation, string> = {
  linear: 'return a;',
  relu: 'return select(a, 0.0, a < 0.0);',
  relu6: 'return clamp(a, 0.0, 6.0);',
  elu: 'if (a >= 0.0) { return a; } return (exp(a) - 1.0);',
  sigmoid: 'return 1.0 / (1.0 + exp(-1.0 * a));',
  leakyrelu: 'if (a < 0.0) { return uniforms.alpha * a; } return a;',
  prelu: 'let b = getPreluActivationWeightsByOutputCoords(coords); if (a < 0.0) { return b * a; } return a;',
};

const TILE = 64;
const TILE_K = 16;
const PER_THREAD = 4;

/**
 * 2 x 2 subgroups of 2 x 2 16x16 fragments: 64 x 64 outputs per workgroup, K staged 32 at a time, rows padded by 8
 * halves, the next stage read ahead: the fastest of the tilings swept on an H100 and an H200 (test/bench/RESULTS.md).
 */
let tiling: MatrixTiling = { wm: 2, wn: 2, tm: 2, tn: 2, bk: 32, pad: 8, prefetch: true };

/** Sets the subgroup-matrix tiling (benches compare several on a GPU); returns the one it replaces. */
export function setMatrixTiling(t: MatrixTiling): MatrixTiling {
  const old = tiling;
  tiling = t;
  return old;
}

/**
 * Whether a product of these sizes can take the subgroup-matrix program: whole fragments (a fragment is stored
 * straight to the output, so it must not cross its edge); partial tiles and inner sizes are padded with zeros.
 */
export function fitsMatrixTiles(m: number, n: number, shape: MatrixShape): boolean {
  return m % shape.M === 0 && n % shape.N === 0;
}

/**
 * Index expressions of A[b, row, kk] and B[b, kb, col] honouring the transposes. Reads go through f32(): tf.js
 * declares an input by its data's dtype, and a float32 tensor cast from int32 (a one-hot) keeps its int32 data.
 */
export function operandIndex(s: MixedMatMulSpec): { a: string; b: string } {
  return {
    a: s.transposeA ? 'aBase + kk * M + row' : 'aBase + row * K + kk',
    b: s.transposeB ? 'bBase + col * K + kb' : 'bBase + kb * N + col',
  };
}

export const DIMS = `
    let M = uniforms.M;
    let N = uniforms.N;
    let K = uniforms.K;
    let batch = i32(workgroupId.z);
    let aBase = select(batch, 0, uniforms.batchA == 1) * M * K;
    let bBase = select(batch, 0, uniforms.batchB == 1) * K * N;`;

/** The output coordinates' WGSL type: tf.js's helpers take one of the output's rank (2 to 4). */
const coordsType = (s: MixedMatMulSpec) => `vec${s.outShape.length}<i32>`;

const outerCoords = (s: MixedMatMulSpec) => {
  const outer = s.outShape.length - 2;
  return outer === 1 ? ['batch'] : Array<string>(outer).fill('0');
};

/**
 * Bias and activation on `value` at output (batch, row, col), then the write. Only a 3-D output has its batch as a
 * coordinate; a bias or PReLU weight comes only with a batch of one (the wrapper leaves others to tf.js).
 */
export const EPILOGUE = (s: MixedMatMulSpec) => `
        let coords = ${coordsType(s)}(${[...outerCoords(s), 'row', 'col'].join(', ')});
        ${s.hasBias ? 'value = value + getBiasByOutputCoords(coords);' : ''}
        ${s.activation ? 'value = activation(value, coords);' : ''}
        setOutputAtIndex(batch * M * N + row * N + col, value);`;

function tiledCode(s: MixedMatMulSpec): string {
  const idx = operandIndex(s);
  const n = TILE * TILE_K;
  return `
  var<workgroup> As : array<f16, ${n}>;
  var<workgroup> Bs : array<f16, ${n}>;
  fn main() {
    ${DIMS}
    let t = i32(localIndex);
    let row0 = i32(workgroupId.y) * ${TILE};
    let col0 = i32(workgroupId.x) * ${TILE};
    let tr = (t / ${TILE / PER_THREAD}) * ${PER_THREAD};
    let tc = (t % ${TILE / PER_THREAD}) * ${PER_THREAD};
    var acc : array<array<f32, ${PER_THREAD}>, ${PER_THREAD}>;
    for (var k0 = 0; k0 < K; k0 = k0 + ${TILE_K}) {
      for (var e = t; e < ${n}; e = e + 256) {
        // Consecutive invocations read consecutive addresses of whichever operand layout this is.
        let inner = ${s.transposeA ? `e / ${TILE}` : `e % ${TILE_K}`};
        let outer = ${s.transposeA ? `e % ${TILE}` : `e / ${TILE_K}`};
        let row = row0 + outer; let kk = k0 + inner;
        As[inner * ${TILE} + outer] = f16(select(0.0, f32(A[${idx.a}]), row < M && kk < K));
        let innerB = ${s.transposeB ? `e % ${TILE_K}` : `e / ${TILE}`};
        let outerB = ${s.transposeB ? `e / ${TILE_K}` : `e % ${TILE}`};
        let col = col0 + outerB; let kb = k0 + innerB;
        Bs[innerB * ${TILE} + outerB] = f16(select(0.0, f32(B[${idx.b}]), col < N && kb < K));
      }
      workgroupBarrier();
      for (var q = 0; q < ${TILE_K}; q = q + 1) {
        var av : array<f32, ${PER_THREAD}>;
        for (var i = 0; i < ${PER_THREAD}; i = i + 1) { av[i] = f32(As[q * ${TILE} + tr + i]); }
        for (var j = 0; j < ${PER_THREAD}; j = j + 1) {
          let bv = f32(Bs[q * ${TILE} + tc + j]);
          for (var i = 0; i < ${PER_THREAD}; i = i + 1) { acc[i][j] = fma(av[i], bv, acc[i][j]); }
        }
      }
      workgroupBarrier();
    }
    for (var i = 0; i < ${PER_THREAD}; i = i + 1) {
      for (var j = 0; j < ${PER_THREAD}; j = j + 1) {
        let row = row0 + tr + i; let col = col0 + tc + j;
        if (row < M && col < N) {
          var value = acc[i][j];${EPILOGUE(s)}
        }
      }
    }
  }`;
}

/**
 * What a product program here declares to tf.js, as its own matmul programs do: inputs A, B and the epilogue's,
 * the sizes as uniforms, and the activation function (matmul-activation.ts may rewrite its body).
 */
export function productInterface(
  spec: MixedMatMulSpec,
  hasPrelu: boolean,
): { variableNames: string[]; uniforms: string; activationFn: string } {
  return {
    variableNames: [
      'A',
      'B',
      ...(spec.hasBias ? ['bias'] : []),
      ...(hasPrelu ? ['preluActivationWeights'] : []),
    ],
    uniforms: `M : i32, N : i32, K : i32, batchA : i32, batchB : i32,${spec.activation === 'leakyrelu' ? ' alpha : f32,' : ''}`,
    activationFn: spec.activation
      ? `fn activation(a : f32, coords : ${coordsType(spec)}) -> f32 { ${ACTIVATIONS[spec.activation]} }`
      : '',
  };
}

/** The product as a tf.js program: output [batch, m, n], inputs A, B (3-D) and the epilogue's. */
export class MixedMatMulProgram implements WebGpuProgram {
  readonly outputShape: number[];
  /** Not flat, so tf.js calls main() without an index; the program places itself by workgroup id. */
  readonly dispatchLayout = { x: [] as number[], y: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number];
  readonly variableNames: string[];
  readonly shaderKey: string;
  readonly name: string;
  readonly uniforms: string;
  /** Read by matmul-activation.ts's rewrite, as on tf.js's own matmul programs. */
  readonly activation: MixedActivation | null;
  readonly variant: 'tiled' | 'subgroup-matrix';
  /** Components per element of each input as tf.js declares it (vec4 operands in the subgroup-matrix program). */
  readonly variableComponents: number[] | undefined;
  private readonly activationFn: string;
  /** The subgroup-matrix program's tiling and operand read widths (absent for the tiled program). */
  private readonly plan: { tiling: FullTiling; widthA: 1 | 4; widthB: 1 | 4 } | undefined;

  constructor(
    private readonly spec: MixedMatMulSpec,
    hasPrelu: boolean,
  ) {
    const { batch, m, n, matrix } = spec;
    this.outputShape = spec.outShape;
    this.activation = spec.activation;
    const declared = productInterface(spec, hasPrelu);
    this.variableNames = declared.variableNames;
    this.uniforms = declared.uniforms;
    this.activationFn = declared.activationFn;
    const useMatrix = matrix !== undefined && fitsMatrixTiles(m, n, matrix.shape);
    this.variant = useMatrix ? 'subgroup-matrix' : 'tiled';
    let key = '';
    if (useMatrix) {
      // Whole vec4 reads where the operand's contiguous size is a multiple of 4 (so is every row's start).
      const widthA = (spec.transposeA ? m : spec.k) % 4 === 0 ? 4 : 1;
      const widthB = (spec.transposeB ? spec.k : n) % 4 === 0 ? 4 : 1;
      const t = fullTiling(tiling, matrix.shape);
      this.plan = { tiling: t, widthA, widthB };
      this.variableComponents = [widthA, widthB, ...this.variableNames.slice(2).map(() => 1)];
      this.workgroupSize = [t.wm * t.wn * matrix.subgroupSize, 1, 1];
      this.dispatch = [Math.ceil(n / t.bn), Math.ceil(m / t.bm), batch];
      const { M, N, K } = matrix.shape;
      key = `${M}x${N}x${K}_${matrix.subgroupSize}_${t.wm}${t.wn}${t.tm}${t.tn}_${t.bk}_${t.pad}_${+t.prefetch}_${widthA}${widthB}`;
    } else {
      this.workgroupSize = [256, 1, 1];
      this.dispatch = [Math.ceil(n / TILE), Math.ceil(m / TILE), batch];
    }
    this.shaderKey = `studio_mixed_matmul_${this.variant}${key}_${+spec.transposeA}${+spec.transposeB}_${+spec.hasBias}_${spec.activation ?? 'none'}_${+hasPrelu}`;
    this.name = `mixed-matmul(${this.variant})`;
  }

  getUserCode(): string {
    const act = this.activationFn;
    const { matrix } = this.spec;
    const body =
      matrix && this.plan
        ? matrixBody(
            { ...this.spec, ...this.plan },
            matrix.shape,
            matrix.subgroupSize,
            this.plan.tiling,
            DIMS,
            // Any activation, 'linear' too: matmul-activation.ts may have given it another body.
            this.spec.hasBias || this.spec.activation ? EPILOGUE(this.spec) : null,
          )
        : tiledCode(this.spec);
    return `enable f16;\n${act}\n${body}`;
  }
}

/**
 * How far a model's logits may move with mixed precision on, relative to their largest magnitude: every fixture
 * model stays within it against transformers' fp32 logits (test/main/models/mixed-logits-webgpu.test.ts; measured
 * 2.5e-4 to 8.3e-4 on lavapipe).
 */
export const MIXED_LOGITS_TOLERANCE = 2e-3;
