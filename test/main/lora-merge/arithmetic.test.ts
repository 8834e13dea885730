import { describe, expect, it } from 'vitest';
import { masksFromList, seededMasks } from '../../../src-main/lora-merge/masks.ts';
import { quantile, truncatedSvd } from '../../../src-main/lora-merge/svd.ts';
import {
  electAndMerge,
  magnitudePrune,
  randomPrune,
  weightedSum,
} from '../../../src-main/lora-merge/task-arithmetic.ts';
import { Rng } from '../../../src-main/data/rng.ts';

const f64 = (...xs: number[]) => Float64Array.from(xs);

function randomMatrix(rows: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.next() * 2 - 1) };
}

function product(a: { rows: number; cols: number; data: Float64Array }, b: typeof a) {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++)
      for (let j = 0; j < b.cols; j++)
        out[i * b.cols + j] =
          (out[i * b.cols + j] as number) +
          (a.data[i * a.cols + k] as number) * (b.data[k * b.cols + j] as number);
  return out;
}

describe('task arithmetic (PEFT merge_utils)', () => {
  it('weighted sum', () => {
    expect([...weightedSum([f64(1, 2), f64(3, -4)], [2, 0.5])]).toEqual([3.5, 2]);
  });

  it('magnitude pruning keeps floor(density * n) largest |values|, density >= 1 keeps all', () => {
    expect([...magnitudePrune(f64(0.1, -5, 3, -0.2, 4), 0.5)]).toEqual([0, -5, 0, 0, 4]);
    expect([...magnitudePrune(f64(1, -2), 1)]).toEqual([1, -2]);
    expect([...magnitudePrune(f64(1, -2, 3), 0)]).toEqual([0, 0, 0]);
  });

  it('DARE drops where the mask is 0 and rescales by 1/density; at density 1 no mask is drawn', () => {
    expect([...randomPrune(f64(1, 2, 3, 4), 0.5, () => [1, 0, 0, 1])]).toEqual([2, 0, 0, 8]);
    let drawn = 0;
    randomPrune(f64(1, 2), 1, () => {
      drawn++;
      return [1, 1];
    });
    expect(drawn).toBe(0);
  });

  it('TIES elects the sign of the unweighted sum and averages the agreeing weighted entries', () => {
    // entry 0: 1 + (-3) = -2 -> '-': only -3 (weight 2) agrees: -6 / 1
    // entry 1: 2 + 2 = 4 -> '+': both agree: (2*1 + 2*2) / 2 = 3
    // entry 2: 0 + 0 -> '+' (>= 0), nobody has sign + : 0 / max(0, 1) = 0
    // entry 3: -1 + 0.5 = -0.5 -> '-': only -1 (weight 1): -1
    const total = electAndMerge([f64(1, 2, 0, -1), f64(-3, 2, 0, 0.5)], [1, 2], 'total');
    expect([...total]).toEqual([-6, 3, 0, -1]);
    // frequency: entry 0 signs +1 -1 = 0 -> '+': only 1 (weight 1) agrees
    const freq = electAndMerge([f64(1, 2, 0, -1), f64(-3, 2, 0, 0.5)], [1, 2], 'frequency');
    expect([...freq]).toEqual([1, 3, 0, 0.5 * 2]);
  });
});

describe('masks', () => {
  it('seeded masks keep about density of the entries and repeat with the seed', () => {
    const site = { module: 'm', factor: 'A' as const, source: 0, shape: [100, 100] };
    const a = seededMasks(7)(site, 0.3);
    const b = seededMasks(7)(site, 0.3);
    expect(Array.from(a)).toEqual(Array.from(b));
    const kept = Array.from(a).reduce((n, x) => n + x, 0);
    expect(kept).toBeGreaterThan(2800);
    expect(kept).toBeLessThan(3200);
  });

  it('listed masks are handed out in order and refuse a wrong size or a missing one', () => {
    const src = masksFromList([
      [1, 0],
      [0, 1, 1],
    ]);
    const site = { module: 'm', factor: 'A' as const, source: 0, shape: [2] };
    expect(Array.from(src(site, 0.5))).toEqual([1, 0]);
    expect(() => src(site, 0.5)).toThrow(/has 3 entries, the tensor 2/);
    expect(() => src(site, 0.5)).toThrow(/was not given/);
  });
});

describe('svd', () => {
  for (const [rows, cols] of [
    [9, 5],
    [5, 9],
    [16, 16],
  ] as const) {
    it(`reconstructs a ${rows}x${cols} matrix at full rank, with orthonormal factors`, () => {
      const m = randomMatrix(rows, cols, rows * 31 + cols);
      const k = Math.min(rows, cols);
      const { us, vh, singular } = truncatedSvd(m, k);
      const back = product(us, vh);
      for (let i = 0; i < back.length; i++) expect(back[i]).toBeCloseTo(m.data[i] as number, 12);
      for (let i = 1; i < k; i++) expect(singular[i - 1]).toBeGreaterThanOrEqual(singular[i] as number);
      // Rows of Vh are orthonormal.
      for (let p = 0; p < k; p++)
        for (let q = 0; q < k; q++) {
          let d = 0;
          for (let j = 0; j < cols; j++)
            d += (vh.data[p * cols + j] as number) * (vh.data[q * cols + j] as number);
          expect(d).toBeCloseTo(p === q ? 1 : 0, 12);
        }
    });
  }

  it('truncation keeps the largest singular directions (Eckart-Young on a known matrix)', () => {
    // diag(3, -5, 1) permuted: the rank-1 truncation is the -5 entry alone.
    const m = { rows: 3, cols: 3, data: f64(0, 3, 0, -5, 0, 0, 0, 0, 1) };
    const { us, vh, singular } = truncatedSvd(m, 1);
    expect(singular[0]).toBeCloseTo(5, 12);
    const back = product(us, vh);
    expect([...back].map((x) => Math.round(x * 1e9) / 1e9)).toEqual([0, 0, 0, -5, 0, 0, 0, 0, 0]);
  });

  it('quantile interpolates linearly as torch.quantile does', () => {
    expect(quantile(f64(4, 1, 3, 2), 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile(f64(4, 1, 3, 2), 1)).toBe(4);
    expect(quantile(f64(10, 0), 0.25)).toBeCloseTo(2.5, 12);
  });
});
