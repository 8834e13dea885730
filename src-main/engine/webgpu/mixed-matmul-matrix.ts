/**
 * The subgroup-matrix (tensor-core) body of mixed-matmul.ts' program. Each workgroup owns a bm x bn output tile:
 * its subgroups sit in a wm x wn grid and each owns tm x tn fragments of the adapter's matrix shape. K is staged bk
 * at a time through workgroup memory, where each operand keeps its own layout (row- or column-major, read back by
 * subgroupMatrixLoad's column-major flag) so that every invocation stages whole vec4s read from consecutive
 * addresses. Rows are padded by `pad` halves against bank conflicts, and with `prefetch` the next stage's global
 * reads are issued before the current stage's products, so their latency hides behind the matrix units.
 */
import { ENTRY_BUILTINS } from './gpu-features.ts';

/** An f16 x f16 -> f32 subgroup matrix shape the adapter offers (GPUSubgroupMatrixConfig). */
export interface MatrixShape {
  M: number;
  N: number;
  K: number;
}

/** The subgroup-matrix tiling: subgroups in a wm x wn grid, each owning tm x tn fragments; K staged by bk. */
export interface MatrixTiling {
  wm: number;
  wn: number;
  tm: number;
  tn: number;
  bk: number;
  /** Halves added to each staged row (0 = none). */
  pad?: number;
  /** Issue the next stage's global reads before this stage's products. */
  prefetch?: boolean;
}

/** The operand facts the body needs (from MixedMatMulSpec). */
export interface MatrixOperands {
  transposeA: boolean;
  transposeB: boolean;
  /** Components read per global load of A and of B: 4 where the operand's contiguous size is a multiple of 4. */
  widthA: 1 | 4;
  widthB: 1 | 4;
}

export type FullTiling = Required<MatrixTiling> & { bm: number; bn: number };

export function fullTiling(t: MatrixTiling, shape: MatrixShape): FullTiling {
  return {
    ...t,
    bk: Math.max(t.bk, shape.K),
    pad: t.pad ?? 0,
    prefetch: t.prefetch ?? false,
    bm: t.wm * t.tm * shape.M,
    bn: t.wn * t.tn * shape.N,
  };
}

/** The vec4-or-scalar read of A's or B's global element `idx` as f32s (f32(): a cast one-hot keeps int32 data). */
const read = (name: string, w: number, idx: string) =>
  w === 4 ? `vec4<f32>(${name}[(${idx}) / 4])` : `f32(${name}[${idx}])`;

/**
 * One operand's staging, as a rows x cols tile of its global layout: global element (startRow + r, startCol + c),
 * at base + row * ld + col, zero past rowLimit/colLimit, staged at r * stride + c.
 */
interface Staging {
  name: 'A' | 'B';
  shared: 'As' | 'Bs';
  rows: number;
  cols: number;
  stride: number;
  width: 1 | 4;
  base: string;
  ld: string;
  startRow: string;
  startCol: string;
  rowLimit: string;
  colLimit: string;
}

/** One dimension of a staged tile: its size, where it starts and the operand's size along it. */
interface Span {
  size: number;
  start: string;
  limit: string;
}

function stagingCode(s: Staging, threads: number): { decl: string; load: string; store: string } {
  const items = (s.rows * s.cols) / s.width;
  const per = Math.ceil(items / threads);
  const guard = items % threads === 0 ? '' : `if (e < ${items}) `;
  const type = s.width === 4 ? 'vec4<f32>' : 'f32';
  const reg = `r${s.name}`;
  const at = (i: string) =>
    `let e = t + ${i} * ${threads}; let r = e / ${s.cols / s.width}; let c = (e % ${s.cols / s.width}) * ${s.width};`;
  const load = `for (var i = 0; i < ${per}; i = i + 1) {
        ${at('i')}
        let gr = ${s.startRow} + r; let gc = ${s.startCol} + c;
        var v = ${type}(0.0);
        ${guard}{ if (gr < ${s.rowLimit} && gc < ${s.colLimit}) { v = ${read(s.name, s.width, `${s.base} + gr * ${s.ld} + gc`)}; } }
        ${reg}[i] = v;
      }`;
  const writes =
    s.width === 4
      ? `${s.shared}[o] = f16(v.x); ${s.shared}[o + 1] = f16(v.y); ${s.shared}[o + 2] = f16(v.z); ${s.shared}[o + 3] = f16(v.w);`
      : `${s.shared}[o] = f16(v);`;
  const store = `for (var i = 0; i < ${per}; i = i + 1) {
        ${at('i')}
        ${guard}{ let o = r * ${s.stride} + c; let v = ${reg}[i]; ${writes} }
      }`;
  return {
    decl: `var<workgroup> ${s.shared} : array<f16, ${s.rows * s.stride}>;\n  var<private> ${reg} : array<${type}, ${per}>;`,
    load,
    store,
  };
}

/**
 * The program's WGSL (after tf.js's declarations): main(workgroup id, subgroup id) writes the tile's fragments to
 * `result`; `epilogue` (bias and activation, in place) follows a storage barrier when given.
 */
export function matrixBody(
  o: MatrixOperands,
  shape: MatrixShape,
  subgroupSize: number,
  t: FullTiling,
  dims: string,
  epilogue: string | null,
): string {
  const T = t.wm * t.wn * subgroupSize;
  // A's tile: [bm][bk] as A is laid out, or [bk][bm] when A is stored transposed ([K, M]); B's likewise
  // ([bk][bn], or [bn][bk] transposed). The tile's columns are the operand's contiguous dimension.
  const k: Span = { size: t.bk, start: 'k0', limit: 'K' };
  const staged = (name: 'A' | 'B', outer: Span, kRows: boolean, width: 1 | 4): Staging => {
    const [r, c] = kRows ? [k, outer] : [outer, k];
    return {
      name,
      shared: `${name}s` as 'As' | 'Bs',
      rows: r.size,
      cols: c.size,
      stride: c.size + t.pad,
      width,
      base: `${name.toLowerCase()}Base`,
      ld: c.limit,
      startRow: r.start,
      startCol: c.start,
      rowLimit: r.limit,
      colLimit: c.limit,
    };
  };
  const a = staged('A', { size: t.bm, start: 'row0', limit: 'M' }, o.transposeA, o.widthA);
  const b = staged('B', { size: t.bn, start: 'col0', limit: 'N' }, !o.transposeB, o.widthB);
  const sa = stagingCode(a, T);
  const sb = stagingCode(b, T);
  // Fragment (i) of A at tile row r0 + i*M, inner offset q; of B (j) at tile column c0 + j*N.
  const aOff = (i: number) =>
    o.transposeA ? `q * ${a.stride} + r0 + ${i * shape.M}` : `(r0 + ${i * shape.M}) * ${a.stride} + q`;
  const bOff = (j: number) =>
    o.transposeB ? `(c0 + ${j * shape.N}) * ${b.stride} + q` : `q * ${b.stride} + c0 + ${j * shape.N}`;
  const decl: string[] = [];
  const loads: string[] = [];
  const mma: string[] = [];
  const stores: string[] = [];
  for (let i = 0; i < t.tm; i++)
    loads.push(
      `let a${i} = subgroupMatrixLoad<subgroup_matrix_left<f16, ${shape.K}, ${shape.M}>>(&As, u32(${aOff(i)}), ${o.transposeA}, ${a.stride}u);`,
    );
  for (let j = 0; j < t.tn; j++)
    loads.push(
      `let b${j} = subgroupMatrixLoad<subgroup_matrix_right<f16, ${shape.N}, ${shape.K}>>(&Bs, u32(${bOff(j)}), ${o.transposeB}, ${b.stride}u);`,
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
  const products = `for (var q = 0; q < ${t.bk}; q = q + ${shape.K}) {
        ${loads.join('\n        ')}
        ${mma.join('\n        ')}
      }`;
  // Offsets of subgroup-matrix loads and stores must be subgroup-uniform: they derive from the workgroup id and the
  // subgroup id passed to main (gpu-features.ts' ENTRY_BUILTINS) and from uniforms only.
  const stages = t.prefetch
    ? `{ let k0 = 0; ${sa.load} ${sb.load} }
    for (var k0 = 0; k0 < K; k0 = k0 + ${t.bk}) {
      ${sa.store}
      ${sb.store}
      workgroupBarrier();
      if (k0 + ${t.bk} < K) { let k0 = k0 + ${t.bk}; ${sa.load} ${sb.load} }
      ${products}
      workgroupBarrier();
    }`
    : `for (var k0 = 0; k0 < K; k0 = k0 + ${t.bk}) {
      ${sa.load} ${sb.load}
      ${sa.store}
      ${sb.store}
      workgroupBarrier();
      ${products}
      workgroupBarrier();
    }`;
  return `
  enable subgroups;
  enable chromium_experimental_subgroup_matrix;
  ${ENTRY_BUILTINS}
  ${sa.decl}
  ${sb.decl}
  fn main(wgId : vec3<u32>, sgId : u32) {
    ${dims.replace('i32(workgroupId.z)', 'i32(wgId.z)')}
    let t = i32(localIndex);
    let row0 = i32(wgId.y) * ${t.bm};
    let col0 = i32(wgId.x) * ${t.bn};
    let s = i32(sgId);
    let r0 = (s / ${t.wn}) * ${t.tm * shape.M};
    let c0 = (s % ${t.wn}) * ${t.tn * shape.N};
    let outBase = batch * M * N;
    ${decl.join('\n    ')}
    ${stages}
    ${stores.join('\n    ')}
    ${
      epilogue
        ? `storageBarrier();
    for (var e = t; e < ${t.bm * t.bn}; e = e + ${T}) {
      let row = row0 + e / ${t.bn}; let col = col0 + e % ${t.bn};
      if (row < M && col < N) {
        var value = result[outBase + row * N + col];${epilogue}
      }
    }`
        : ''
    }
  }`;
}
