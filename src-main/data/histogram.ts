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
 * Counts lengths in at most `maxBins` bins of a round width starting at 0. The bins cover up to the 99th
 * percentile; when longer examples exist they share one extra open-ended bin, so one outlier does not squash
 * every other bar into the first column.
 */
export function lengthHistogram(
  lengths: readonly number[],
  tokenizer: LengthHistogram['tokenizer'] = 'whitespace',
  maxBins = 20,
): LengthHistogram {
  if (lengths.length === 0) return { binWidth: 1, counts: [], tokenizer, overflow: false };
  const { p99, max } = lengthStats(lengths);
  const binWidth = niceStep((p99 + 1) / maxBins);
  const covered = Math.ceil((p99 + 1) / binWidth);
  const overflow = max >= covered * binWidth;
  const counts = new Array<number>(covered + (overflow ? 1 : 0)).fill(0);
  for (const l of lengths) {
    const i = Math.min(Math.floor(l / binWidth), counts.length - 1);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { binWidth, counts, tokenizer, overflow };
}
