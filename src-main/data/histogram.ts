/** Token-length histograms for the Datasets page: a handful of equal, round-numbered bins. */
import type { LengthHistogram } from '../../src-shared/datasets.ts';
import { lengthStats } from './stats.ts';

/** The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `x`, so bin edges read as round numbers. */
export function niceStep(x: number): number {
  if (x <= 1) return 1;
  const pow = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * pow >= x) return m * pow;
  return 10 * pow;
}

/**
 * Counts lengths in at most about `maxBins` bins of a round width. The first bin starts at the shortest length
 * rounded down to the width (short texts do not get a row of empty bins from 0); the bins cover up to the 99th
 * percentile, and longer examples share one extra open-ended bin, so one outlier does not squash every other
 * bar into the first column.
 */
export function lengthHistogram(
  lengths: readonly number[],
  tokenizer: LengthHistogram['tokenizer'] = 'whitespace',
  maxBins = 20,
): LengthHistogram {
  if (lengths.length === 0) return { start: 0, binWidth: 1, counts: [], tokenizer, overflow: false };
  const { min, p99, max } = lengthStats(lengths);
  const binWidth = niceStep((p99 - min + 1) / maxBins);
  const start = Math.floor(min / binWidth) * binWidth;
  const covered = Math.ceil((p99 + 1 - start) / binWidth);
  const overflow = max >= start + covered * binWidth;
  const counts = new Array<number>(covered + (overflow ? 1 : 0)).fill(0);
  for (const l of lengths) {
    const i = Math.min(Math.floor((l - start) / binWidth), counts.length - 1);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { start, binWidth, counts, tokenizer, overflow };
}
