/** Issue #21: a diverged run (loss 1e11) flattened every other loss curve; the loss axis clips it or goes log. */
import { describe, expect, it } from 'vitest';
import { hiddenPoints, lossRange, outlierCeiling } from '../../src-renderer/lib/chart-data.ts';
import type { Line } from '../../src-renderer/lib/chart-data.ts';

const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const healthy: Line = { label: 'lora', xs: steps(10), ys: steps(10).map((s) => 0.7 / Math.sqrt(s)) };
const diverged: Line = {
  label: 'lr 50',
  xs: steps(10),
  ys: [0.7, 0.8, 0.9, 5, 1e3, 1e7, 1e11, 1e11, Number.NaN, 1e11],
};

describe('loss chart scale', () => {
  it('finds no outlier among curves that fall from their start', () => {
    expect(outlierCeiling([healthy])).toBeNull();
    expect(lossRange([healthy], { log: false, clip: true })?.[1]).toBeLessThan(0.8);
  });

  it('cuts the axis at 3x the highest start when a run diverges, so the others keep their shape', () => {
    const lines = [healthy, diverged];
    // Without clipping the axis reaches 1e11: the healthy curve (0.22 to 0.7) would be a flat line at zero.
    expect(lossRange(lines, { log: false, clip: false })?.[1]).toBeGreaterThan(1e11);
    // The highest start is the median of the diverged line's first five points (0.7, 0.8, 0.9, 5, 1000): 0.9.
    expect(outlierCeiling(lines)).toBeCloseTo(2.7, 10);
    const [lo, hi] = lossRange(lines, { log: false, clip: true }) ?? [];
    // Padded by 5% of the shown span, as every chart is.
    expect(hi).toBeGreaterThanOrEqual(2.7);
    expect(hi).toBeLessThan(3);
    expect(lo).toBeGreaterThanOrEqual(0);
    // 5, 1e3, 1e7 and three times 1e11 (the NaN is no point).
    expect(hiddenPoints(lines, { log: false, clip: true })).toBe(6);
  });

  it('spans whole decades on a log axis', () => {
    expect(lossRange([healthy, diverged], { log: true, clip: false })).toEqual([0.1, 1e11]);
    expect(lossRange([healthy, diverged], { log: true, clip: true })).toEqual([0.1, 10]);
  });
});
