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
    expect(h).toEqual({ binWidth: 1, counts: [0, 2, 1, 0, 0, 1], tokenizer: 'whitespace', overflow: false });
    expect(lengthHistogram([])).toEqual({
      binWidth: 1,
      counts: [],
      tokenizer: 'whitespace',
      overflow: false,
    });
  });

  it('puts the tail beyond the 99th percentile into one open-ended last bin', () => {
    // 200 lengths 0..199 and one of 10,000: p99 is 197, so 20 bins of 10 cover 0..199 and one bin holds the rest.
    const lengths = [...Array.from({ length: 200 }, (_, i) => i), 10_000];
    const h = lengthHistogram(lengths);
    expect(h.binWidth).toBe(10);
    expect(h.overflow).toBe(true);
    expect(h.counts).toHaveLength(21);
    expect(h.counts.slice(0, 20).every((c) => c === 10)).toBe(true);
    expect(h.counts[20]).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(lengths.length);
  });
});
