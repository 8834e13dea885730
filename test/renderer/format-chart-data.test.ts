import { describe, expect, it } from 'vitest';
import {
  alignLines,
  countPoints,
  decadeRange,
  paddedRange,
  pointRadius,
} from '../../src-renderer/lib/chart-data.ts';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatMetric,
  formatPercent,
  formatTick,
  trainablePercent,
} from '../../src-renderer/lib/format.ts';

describe('format', () => {
  it('formats counts, percentages, bytes, durations and metrics', () => {
    expect(formatCount(512)).toBe('512');
    expect(formatCount(110_000_000)).toBe('110.00 M');
    expect(formatCount(null)).toBe('—');
    expect(trainablePercent(1, 200)).toBe(0.5);
    expect(trainablePercent(1, null)).toBeNull();
    expect(formatPercent(0.5)).toBe('0.50%');
    expect(formatPercent(0.0123)).toBe('0.012%');
    expect(formatPercent(100)).toBe('100.0%');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(3900)).toBe('1 h 05 min');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatMetric(0.912345)).toBe('0.9123');
    expect(formatMetric(0.00001)).toBe('1.00e-5');
  });

  it('formats axis ticks so that close neighbours stay distinct', () => {
    expect(formatTick(0.0005)).toBe('5e-4');
    expect(formatTick(0.001)).toBe('0.001');
    expect(formatTick(0.0015)).toBe('0.0015');
    expect(formatTick(2200)).toBe('2200');
    expect(formatTick(250_000)).toBe('250k');
    expect(formatTick(0)).toBe('0');
    expect(formatTick(null)).toBe('');
  });
});

describe('chart data', () => {
  it('aligns lines on the union of their x values with nulls for gaps', () => {
    const aligned = alignLines([
      { label: 'a', xs: [1, 3], ys: [10, 30] },
      { label: 'b', xs: [2, 3], ys: [20, Number.NaN] },
    ]);
    expect(aligned).toEqual([
      [1, 2, 3],
      [10, null, 30],
      [null, 20, null],
    ]);
  });

  it('counts finite points', () => {
    expect(countPoints([{ label: 'a', xs: [1, 2], ys: [1, Number.NaN] }])).toBe(1);
  });

  it('covers values with whole decades on a log axis', () => {
    expect(decadeRange([0.05, 3])).toEqual([0.01, 10]);
    expect(decadeRange([100])).toEqual([100, 1000]);
    expect(decadeRange([])).toEqual([0.01, 100]);
  });

  it('pads linear ranges and never returns an empty one', () => {
    expect(paddedRange([0, 1], 0.1)).toEqual([-0.1, 1.1]);
    const [lo, hi] = paddedRange([0.8]);
    expect(lo).toBeLessThan(0.8);
    expect(hi).toBeGreaterThan(0.8);
  });

  it('grows the point radius with log(bytes) between the bounds', () => {
    const all = [1e3, 1e5, 1e7];
    expect(pointRadius(1e3, all, 5, 20)).toBe(5);
    expect(pointRadius(1e5, all, 5, 20)).toBeCloseTo(12.5, 9);
    expect(pointRadius(1e7, all, 5, 20)).toBe(20);
    expect(pointRadius(null, all, 5, 20)).toBe(5);
  });
});
