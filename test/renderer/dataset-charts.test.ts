import { describe, expect, it } from 'vitest';
import { formatShare, histogramBars, labelBars } from '../../src-renderer/lib/dataset-charts.ts';

describe('dataset charts', () => {
  it('orders label bars by size and scales them to the largest', () => {
    const bars = labelBars({ ham: 1, spam: 3, eggs: 1 });
    expect(bars.map((b) => b.label)).toEqual(['spam', 'eggs', 'ham']);
    expect(bars.map((b) => b.share)).toEqual([0.6, 0.2, 0.2]);
    expect(bars.map((b) => b.scale)).toEqual([1, 1 / 3, 1 / 3]);
    expect(labelBars({})).toEqual([]);
  });

  it('labels histogram bins by token range, the open-ended last bin with a plus', () => {
    const bars = histogramBars({
      start: 0,
      binWidth: 10,
      counts: [2, 0, 6],
      tokenizer: 'whitespace',
      overflow: true,
    });
    expect(bars.map((b) => b.label)).toEqual(['0–9', '10–19', '20+']);
    expect(bars.map((b) => b.scale)).toEqual([2 / 6, 0, 1]);
    const ones = histogramBars({
      start: 7,
      binWidth: 1,
      counts: [0, 1],
      tokenizer: 'whitespace',
      overflow: false,
    });
    expect(ones.map((b) => b.label)).toEqual(['7', '8']);
  });

  it('formats shares as percentages without hiding tiny ones', () => {
    expect([0, 0.004, 0.25, 1].map(formatShare)).toEqual(['0%', '0.4%', '25%', '100%']);
  });
});
