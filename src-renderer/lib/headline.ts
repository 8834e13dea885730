/**
 * The runs list's view of a run's headline result (computed in main: src-shared/domain.ts headlineOf): metric
 * labels and sorting by final or best value.
 */
import type { RunView } from '../../src-shared/domain.ts';

const METRIC_LABELS: Record<string, string> = {
  accuracy: 'accuracy',
  macroF1: 'macro F1',
  loss: 'loss',
  perplexity: 'perplexity',
};
export const metricLabel = (m: string): string => METRIC_LABELS[m] ?? m;

export type RunSortKey = 'id' | 'final' | 'best';

/**
 * Runs sorted by id or by their headline's final or best value; runs without a value go last whichever the
 * direction. "Descending" on a lower-is-better metric still means best first, so a mixed list reads one way.
 */
export function sortRuns(runs: readonly RunView[], key: RunSortKey, descending: boolean): RunView[] {
  const value = (r: RunView): number | null => {
    if (key === 'id') return r.id;
    const v = r.headline?.[key] ?? null;
    if (v === null || !r.headline) return null;
    return r.headline.lowerIsBetter ? -v : v;
  };
  return [...runs].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va === null || vb === null) return va === vb ? b.id - a.id : va === null ? 1 : -1;
    return descending ? vb - va : va - vb;
  });
}
