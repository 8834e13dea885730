/** Label discovery, label <-> id maps and task-kind detection. */
import type { DatasetKind, TextRow } from './types.ts';

const INTEGER = /^-?\d+$/;

/** A label that reads as a finite number (`"3"`, `"-0.5"`, `"1e3"`). */
export const isNumericLabel = (l: string): boolean => l.trim() !== '' && Number.isFinite(Number(l));

/**
 * The distinct labels in a stable order: numerically when every label is an integer (so `"2"` < `"10"`),
 * else by UTF-16 code units (not locale-dependent, so ids are the same on every machine).
 */
export function discoverLabels(labels: Iterable<string>): string[] {
  const set = [...new Set(labels)];
  return set.every((l) => INTEGER.test(l))
    ? set.sort((a, b) => Number(a) - Number(b))
    : set.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** label -> id and id -> label for a discovered label list. */
export function labelMaps(labels: readonly string[]): {
  labelToId: Record<string, number>;
  idToLabel: Record<number, string>;
} {
  const labelToId: Record<string, number> = {};
  const idToLabel: Record<number, string> = {};
  labels.forEach((l, i) => {
    labelToId[l] = i;
    idToLabel[i] = l;
  });
  return { labelToId, idToLabel };
}

/** Above this many distinct integer labels, numbers are taken as values to regress, not classes. */
export const MAX_INTEGER_CLASSES = 20;

/**
 * Regression when every label is a number and they are not a handful of integer classes (star ratings
 * 1..5 stay classes; 0.0..5.0 similarity scores are values); pair-classification when a pair column is mapped.
 */
export function detectKind(rows: readonly Pick<TextRow, 'label'>[], hasPair: boolean): DatasetKind {
  const labels = new Set(rows.map((r) => r.label));
  const numeric = [...labels].every(isNumericLabel);
  const integral = [...labels].every((l) => INTEGER.test(l));
  if (labels.size > 0 && numeric && (!integral || labels.size > MAX_INTEGER_CLASSES)) return 'regression';
  return hasPair ? 'pair-classification' : 'classification';
}
