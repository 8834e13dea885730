import { describe, expect, it } from 'vitest';
import { ema } from '../../src-renderer/lib/ema.ts';

describe('ema (TensorBoard smoothing)', () => {
  it('returns the raw values at weight 0', () => {
    expect(ema([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('is debiased: the first point equals the first value', () => {
    expect(ema([5, 5, 5], 0.9)).toEqual([5, 5, 5].map(() => expect.closeTo(5, 12)));
  });

  it('matches the recurrence worked out by hand', () => {
    // w = 0.5: last_1 = 0.5*0 + 0.5*2 = 1, debiased by 1 - 0.5 -> 2
    // last_2 = 0.5*1 + 0.5*4 = 2.5, debiased by 1 - 0.25 -> 3.3333
    // last_3 = 0.5*2.5 + 0.5*0 = 1.25, debiased by 1 - 0.125 -> 1.428571
    const out = ema([2, 4, 0], 0.5);
    expect(out[0]).toBeCloseTo(2, 12);
    expect(out[1]).toBeCloseTo(10 / 3, 12);
    expect(out[2]).toBeCloseTo(1.25 / 0.875, 12);
  });

  it('passes non-finite values through without disturbing the average', () => {
    const out = ema([2, Number.NaN, 4], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(10 / 3, 12);
  });

  it('smooths more with a higher weight (noise shrinks)', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1));
    const spread = (xs: number[]) => Math.max(...xs.slice(100)) - Math.min(...xs.slice(100));
    expect(spread(ema(noisy, 0.9))).toBeLessThan(spread(ema(noisy, 0.5)));
    expect(spread(ema(noisy, 0.99))).toBeLessThan(spread(ema(noisy, 0.9)));
  });

  it('keeps the length and leaves the input untouched', () => {
    const input = [1, 2, 3];
    expect(ema(input, 0.6)).toHaveLength(3);
    expect(input).toEqual([1, 2, 3]);
    expect(ema([], 0.6)).toEqual([]);
  });
});
