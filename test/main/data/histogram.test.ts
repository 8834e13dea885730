import { describe, expect, it } from 'vitest';
import { lengthHistogram, niceStep } from '../../../src-main/data/histogram.ts';

describe('token-length histogram', () => {
  it('rounds bin widths up to 1, 2, 5 x 10^k', () => {
    expect([0.3, 1, 1.2, 2, 3, 7, 11, 40, 51, 260].map(niceStep)).toEqual([
      1, 1, 2, 2, 5, 10, 20, 50, 100, 500,
    ]);
  });

  it('counts every length once, in bins of one token for short texts', () => {
    const h = lengthHistogram([1, 1, 2, 5]);
    expect(h).toEqual({
      start: 1,
      binWidth: 1,
      counts: [2, 1, 0, 0, 1],
      tokenizer: 'whitespace',
      overflow: false,
    });
    expect(lengthHistogram([])).toMatchObject({ start: 0, counts: [], overflow: false });
  });

  it('starts at the shortest length rounded down to the bin width', () => {
    // 42..121: p99 is 121, a width of 5 (80 values / 20 bins, rounded up) and a first bin from 40.
    const h = lengthHistogram(Array.from({ length: 80 }, (_, i) => 42 + i));
    expect(h).toMatchObject({ start: 40, binWidth: 5, overflow: false });
    expect(h.counts).toEqual([3, ...new Array<number>(15).fill(5), 2]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(80);
  });

  it('puts the tail beyond the 99th percentile into one open-ended last bin', () => {
    // 200 lengths 0..199 and one of 10,000: p99 is 197, so 20 bins of 10 cover 0..199 and one bin holds the rest.
    const lengths = [...Array.from({ length: 200 }, (_, i) => i), 10_000];
    const h = lengthHistogram(lengths);
    expect(h).toMatchObject({ start: 0, binWidth: 10 });
    expect(h.overflow).toBe(true);
    expect(h.counts).toHaveLength(21);
    expect(h.counts.slice(0, 20).every((c) => c === 10)).toBe(true);
    expect(h.counts[20]).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(lengths.length);
  });
});
