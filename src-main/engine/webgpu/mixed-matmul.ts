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
import { ENTRY_BUILTINS } from './gpu-features.ts';

export type MixedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';

/** An f16 x f16 -> f32 subgroup matrix shape the adapter offers (GPUSubgroupMatrixConfig). */
export interface MatrixShape {
  M: number;
  N: number;
  K: number;
}

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

/** The subgroup-matrix tiling: subgroups in a wm x wn grid, each owning tm x tn fragments; K staged by bk. */
export interface MatrixTiling {
  wm: number;
  wn: number;
  tm: number;
  tn: number;
  bk: number;
}

/** 2 x 2 subgroups of 2 x 2 16x16 fragments: 64 x 64 outputs per workgroup, K staged 32 at a time. */
let tiling: MatrixTiling = { wm: 2, wn: 2, tm: 2, tn: 2, bk: 32 };

/** Sets the subgroup-matrix tiling (benches compare several on a GPU); returns the one it replaces. */
export function setMatrixTiling(t: MatrixTiling): MatrixTiling {
  const old = tiling;
  tiling = t;
  return old;
}

function matrixTiling(shape: MatrixShape): MatrixTiling & { bm: number; bn: number } {
  const t = { ...tiling, bk: Math.max(tiling.bk, shape.K) };
  return { ...t, bm: t.wm * t.tm * shape.M, bn: t.wn * t.tn * shape.N };
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
function operandIndex(s: MixedMatMulSpec): { a: string; b: string } {
  return {
    a: s.transposeA ? 'aBase + kk * M + row' : 'aBase + row * K + kk',
    b: s.transposeB ? 'bBase + col * K + kb' : 'bBase + kb * N + col',
  };
}

const DIMS = `
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
const EPILOGUE = (s: MixedMatMulSpec) => `
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

function matrixCode(s: MixedMatMulSpec, shape: MatrixShape, sg: number): string {
  const t = matrixTiling(shape);
  const T = t.wm * t.wn * sg;
  const idx = operandIndex(s);
  const decl: string[] = [];
  const loads: string[] = [];
  const mma: string[] = [];
  const stores: string[] = [];
  for (let i = 0; i < t.tm; i++)
    loads.push(
      `let a${i} = subgroupMatrixLoad<subgroup_matrix_left<f16, ${shape.K}, ${shape.M}>>(&As, u32((r0 + ${i * shape.M}) * ${t.bk} + q), false, ${t.bk}u);`,
    );
  for (let j = 0; j < t.tn; j++)
    loads.push(
      `let b${j} = subgroupMatrixLoad<subgroup_matrix_right<f16, ${shape.N}, ${shape.K}>>(&Bs, u32(q * ${t.bn} + c0 + ${j * shape.N}), false, ${t.bn}u);`,
    );
  for (let i = 0; i < t.tm; i++)
    for (let j = 0; j < t.tn; j++) {
      decl.push(`var c${i}_${j} = subgroup_matrix_result<f32, ${shape.N}, ${shape.M}>();`);
      mma.push(`c${i}_${j} = subgroupMatrixMultiplyAccumulate(a${i}, b${j}, c${i}_${j});`);
      // Fragments wholly past the output's edge (a partial tile) are not stored; the rest are whole.
      stores.push(
        `if (row0 + r0 + ${i * shape.M} < M && col0 + c0 + ${j * shape.N} < N) { subgroupMatrixStore(&result, u32(outBase + (row0 + r0 + ${i * shape.M}) * N + col0 + c0 + ${j * shape.N}), c${i}_${j}, false, u32(N)); }`,
      );
    }
  // Offsets of subgroup-matrix loads and stores must be subgroup-uniform: they derive from the workgroup id and the
  // subgroup id passed to main (gpu-features.ts' ENTRY_BUILTINS) and from uniforms only.
  return `
  enable subgroups;
  enable chromium_experimental_subgroup_matrix;
  ${ENTRY_BUILTINS}
  var<workgroup> As : array<f16, ${t.bm * t.bk}>;
  var<workgroup> Bs : array<f16, ${t.bk * t.bn}>;
  fn main(wgId : vec3<u32>, sgId : u32) {
    ${DIMS.replace('i32(workgroupId.z)', 'i32(wgId.z)')}
    let t = i32(localIndex);
    let row0 = i32(wgId.y) * ${t.bm};
    let col0 = i32(wgId.x) * ${t.bn};
    let s = i32(sgId);
    let r0 = (s / ${t.wn}) * ${t.tm * shape.M};
    let c0 = (s % ${t.wn}) * ${t.tn * shape.N};
    let outBase = batch * M * N;
    ${decl.join('\n    ')}
    for (var k0 = 0; k0 < K; k0 = k0 + ${t.bk}) {
      for (var e = t; e < ${t.bm * t.bk}; e = e + ${T}) {
        let inner = ${s.transposeA ? `e / ${t.bm}` : `e % ${t.bk}`};
        let outer = ${s.transposeA ? `e % ${t.bm}` : `e / ${t.bk}`};
        let row = row0 + outer; let kk = k0 + inner;
        As[outer * ${t.bk} + inner] = f16(select(0.0, f32(A[${idx.a}]), row < M && kk < K));
      }
      for (var e = t; e < ${t.bk * t.bn}; e = e + ${T}) {
        let inner = ${s.transposeB ? `e % ${t.bk}` : `e / ${t.bn}`};
        let outer = ${s.transposeB ? `e / ${t.bk}` : `e % ${t.bn}`};
        let col = col0 + outer; let kb = k0 + inner;
        Bs[inner * ${t.bn} + outer] = f16(select(0.0, f32(B[${idx.b}]), col < N && kb < K));
      }
      workgroupBarrier();
      for (var q = 0; q < ${t.bk}; q = q + ${shape.K}) {
        ${loads.join('\n        ')}
        ${mma.join('\n        ')}
      }
      workgroupBarrier();
    }
    ${stores.join('\n    ')}
    ${
      // Any activation, 'linear' too: matmul-activation.ts may have given it another body.
      s.hasBias || s.activation
        ? `storageBarrier();
    for (var e = t; e < ${t.bm * t.bn}; e = e + ${T}) {
      let row = row0 + e / ${t.bn}; let col = col0 + e % ${t.bn};
      if (row < M && col < N) {
        var value = result[outBase + row * N + col];${EPILOGUE(s)}
      }
    }`
        : ''
    }
  }`;
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

  constructor(
    private readonly spec: MixedMatMulSpec,
    hasPrelu: boolean,
  ) {
    const { batch, m, n, matrix } = spec;
    this.outputShape = spec.outShape;
    this.activation = spec.activation;
    this.variableNames = [
      'A',
      'B',
      ...(spec.hasBias ? ['bias'] : []),
      ...(hasPrelu ? ['preluActivationWeights'] : []),
    ];
    this.uniforms = `M : i32, N : i32, K : i32, batchA : i32, batchB : i32,${spec.activation === 'leakyrelu' ? ' alpha : f32,' : ''}`;
    const useMatrix = matrix !== undefined && fitsMatrixTiles(m, n, matrix.shape);
    this.variant = useMatrix ? 'subgroup-matrix' : 'tiled';
    if (useMatrix) {
      const t = matrixTiling(matrix.shape);
      this.workgroupSize = [t.wm * t.wn * matrix.subgroupSize, 1, 1];
      this.dispatch = [Math.ceil(n / t.bn), Math.ceil(m / t.bm), batch];
    } else {
      this.workgroupSize = [256, 1, 1];
      this.dispatch = [Math.ceil(n / TILE), Math.ceil(m / TILE), batch];
    }
    const t = useMatrix ? matrixTiling(matrix.shape) : null;
    const shape =
      useMatrix && t
        ? `${matrix.shape.M}x${matrix.shape.N}x${matrix.shape.K}_${matrix.subgroupSize}_${t.wm}${t.wn}${t.tm}${t.tn}_${t.bk}`
        : '';
    this.shaderKey = `studio_mixed_matmul_${this.variant}${shape}_${+spec.transposeA}${+spec.transposeB}_${+spec.hasBias}_${spec.activation ?? 'none'}_${+hasPrelu}`;
    this.name = `mixed-matmul(${this.variant})`;
  }

  getUserCode(): string {
    const act = this.activation
      ? `fn activation(a : f32, coords : ${coordsType(this.spec)}) -> f32 { ${ACTIVATIONS[this.activation]} }`
      : '';
    const { matrix } = this.spec;
    const body =
      this.variant === 'subgroup-matrix' && matrix
        ? matrixCode(this.spec, matrix.shape, matrix.subgroupSize)
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
