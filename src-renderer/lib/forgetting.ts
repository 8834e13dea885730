import type { ContinualView } from '../../src-shared/continual.ts';

export interface Forgetting {
  /** Per earlier task: its metric when learned, after the last stage, and the difference (negative = forgotten). */
  perTask: { task: string; learned: number; final: number; delta: number }[];
  /** Backward transfer: the mean delta over the earlier tasks (0 = nothing forgotten). */
  backwardTransfer: number | null;
}

/**
 * How much each earlier task changed between the stage that learned it and the last finished stage. For
 * perplexity lower is better, so the delta is negated to keep "negative = forgotten" for every metric.
 */
export function forgetting(view: Pick<ContinualView, 'tasks' | 'matrix' | 'metric'>): Forgetting {
  const last = view.matrix.length - 1;
  const sign = view.metric === 'perplexity' ? -1 : 1;
  const perTask: Forgetting['perTask'] = [];
  for (let j = 0; j < last; j++) {
    const learned = view.matrix[j]?.[j];
    const final = view.matrix[last]?.[j];
    if (learned === null || learned === undefined || final === null || final === undefined) continue;
    perTask.push({ task: view.tasks[j] ?? `task ${j + 1}`, learned, final, delta: sign * (final - learned) });
  }
  const backwardTransfer = perTask.length ? perTask.reduce((a, t) => a + t.delta, 0) / perTask.length : null;
  return { perTask, backwardTransfer };
}
