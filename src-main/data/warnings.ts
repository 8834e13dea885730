/** The warnings a dataset's stats give before training: repeats, conflicting labels, labels too rare to split. */
import type { DatasetStats } from './types.ts';

export function statWarnings(stats: DatasetStats, what: string): string[] {
  const w: string[] = [];
  if (stats.duplicates > 0) w.push(`${stats.duplicates} duplicate ${what} (repeats of an earlier one)`);
  if (stats.conflicting > 0) w.push(`${stats.conflicting} duplicate ${what} with a different label`);
  return w;
}

/** A label with one example cannot be in both splits (none when nothing is held out for validation). */
export function rareLabelWarnings(counts: Record<string, number>, validationFraction: number): string[] {
  if (validationFraction === 0) return [];
  return Object.entries(counts)
    .filter(([, n]) => n < 2)
    .map(([l]) => `label "${l}" has a single example; it cannot appear in validation`);
}
