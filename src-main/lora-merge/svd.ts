/**
 * The singular value decomposition the *_svd merges re-factor with. No maintained SVD library is installed in this
 * project (ml-matrix would be the one to add); until one is, this is the one-sided Jacobi method (Hestenes 1958),
 * chosen because it is short, needs no bidiagonalisation and is accurate to float64 round-off on the small
 * matrices LoRA targets have. Only `truncatedSvd` is used elsewhere: swapping in a library changes this file alone.
 */

/** A matrix, row-major. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

const MAX_SWEEPS = 80;

/** Columns of a row-major matrix, each as its own array (Jacobi rotates pairs of columns). */
function columnsOf(m: Matrix): Float64Array[] {
  return Array.from({ length: m.cols }, (_, j) => {
    const c = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) c[i] = m.data[i * m.cols + j] as number;
    return c;
  });
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    x[i] = c * a - s * b;
    y[i] = s * a + c * b;
  }
}

/** Full thin SVD of a matrix with rows >= cols: columns of U (rows long), S, columns of V (cols long), S descending. */
function jacobiSvd(m: Matrix): { u: Float64Array[]; s: number[]; v: Float64Array[] } {
  const u = columnsOf(m);
  const v = Array.from({ length: m.cols }, (_, j) => {
    const c = new Float64Array(m.cols);
    c[j] = 1;
    return c;
  });
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < m.cols - 1; p++)
      for (let q = p + 1; q < m.cols; q++) {
        const up = u[p] as Float64Array;
        const uq = u[q] as Float64Array;
        const alpha = dot(up, up);
        const beta = dot(uq, uq);
        const gamma = dot(up, uq);
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        rotate(up, uq, c, c * t);
        rotate(v[p] as Float64Array, v[q] as Float64Array, c, c * t);
      }
    if (!rotated) break;
  }
  const s = u.map((col) => Math.sqrt(dot(col, col)));
  const order = s.map((_, j) => j).sort((a, b) => (s[b] as number) - (s[a] as number));
  return {
    u: order.map((j) => {
      const col = u[j] as Float64Array;
      const norm = s[j] as number;
      return norm > 0 ? col.map((x) => x / norm) : col;
    }),
    s: order.map((j) => s[j] as number),
    v: order.map((j) => v[j] as Float64Array),
  };
}

function transpose(m: Matrix): Matrix {
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) data[j * m.rows + i] = m.data[i * m.cols + j] as number;
  return { rows: m.cols, cols: m.rows, data };
}

/**
 * The rank-`k` truncation of M = U S Vh as PEFT keeps it: `us` = U[:, :k] · diag(S[:k]) ([rows, k], LoRA's B) and
 * `vh` = Vh[:k, :] ([k, cols], LoRA's A). Singular vectors are defined up to a sign per pair; the product us·vh is not.
 */
export function truncatedSvd(m: Matrix, k: number): { us: Matrix; vh: Matrix; singular: number[] } {
  const wide = m.cols > m.rows;
  const { u, s, v } = jacobiSvd(wide ? transpose(m) : m);
  // For a wide M, the SVD of M^T = U' S V'^T gives M = V' S U'^T.
  const left = wide ? v : u;
  const right = wide ? u : v;
  const us = new Float64Array(m.rows * k);
  const vh = new Float64Array(k * m.cols);
  for (let j = 0; j < k; j++) {
    const l = left[j] as Float64Array;
    const r = right[j] as Float64Array;
    const sj = s[j] as number;
    for (let i = 0; i < m.rows; i++) us[i * k + j] = (l[i] as number) * sj;
    vh.set(r, j * m.cols);
  }
  return {
    us: { rows: m.rows, cols: k, data: us },
    vh: { rows: k, cols: m.cols, data: vh },
    singular: s.slice(0, k),
  };
}

/** torch.quantile's default (linear interpolation between the two nearest order statistics). */
export function quantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
