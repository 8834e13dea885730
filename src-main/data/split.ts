import { epochOrder, mixSeed } from '../training/shuffle.ts';
import type { TextRow } from './types.ts';

/**
 * Deterministic train/validation split by seed, stratified by label for classification so small classes appear
 * in both parts.
 */
export function splitRows(
  rows: readonly TextRow[],
  opts: { seed: number; validationFraction: number; stratify: boolean },
): {
  train: TextRow[];
  validation: TextRow[];
} {
  const groups = new Map<string, TextRow[]>();
  for (const r of rows) {
    const key = opts.stratify ? r.label : '';
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }
  const train: TextRow[] = [];
  const validation: TextRow[] = [];
  let k = 0;
  for (const [, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const order = epochOrder(g.length, mixSeed(opts.seed, 0x5eed), k++);
    const nVal = g.length < 2 ? 0 : Math.max(1, Math.round(g.length * opts.validationFraction));
    order.forEach((idx, i) => (i < nVal ? validation : train).push(g[idx] as TextRow));
  }
  // Restore a stable order within each part (the training loop shuffles per epoch itself).
  const byLine = (a: TextRow, b: TextRow) => a.line - b.line;
  return { train: train.sort(byLine), validation: validation.sort(byLine) };
}
