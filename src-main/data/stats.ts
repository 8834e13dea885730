import type { DatasetStats, TextRow } from './types.ts';

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);

export function datasetStats(
  rows: readonly TextRow[],
  countTokens: (text: string) => number = (t) => t.split(/\s+/).filter(Boolean).length,
): DatasetStats {
  const labelCounts: Record<string, number> = {};
  const seen = new Map<string, string>();
  let duplicates = 0;
  let conflicting = 0;
  const lengths: number[] = [];
  for (const r of rows) {
    labelCounts[r.label] = (labelCounts[r.label] ?? 0) + 1;
    const key = r.textPair === undefined ? r.text : `${r.text}\u0000${r.textPair}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      duplicates++;
      if (prev !== r.label) conflicting++;
    } else seen.set(key, r.label);
    lengths.push(countTokens(r.textPair ? `${r.text} ${r.textPair}` : r.text));
  }
  lengths.sort((a, b) => a - b);
  return {
    rows: rows.length,
    labelCounts,
    lengthPercentiles: {
      p50: percentile(lengths, 50),
      p90: percentile(lengths, 90),
      p99: percentile(lengths, 99),
      max: lengths.at(-1) ?? 0,
    },
    duplicates,
    conflicting,
  };
}
