import type { RunView } from '../../src-shared/domain.ts';

/** The dataset, model and method of a project's latest run: what New run and Continual start from. */
export interface LastChoice {
  runId: number;
  runName: string;
  model: string;
  /** The run's `dataset` block as its config stored it. */
  dataset: { sample?: string; path?: string; validation?: string; validationFraction?: number };
  /** The run's `method` block (its type and options). */
  method: { type: string } & Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The choice of the most recently created single run (continual runs have tasks, not one dataset), or null in a
 * project without one. Runs are taken by id, the order they were created in, whatever order the list has.
 */
export function lastChoice(runs: readonly RunView[]): LastChoice | null {
  const latest = [...runs].sort((a, b) => b.id - a.id);
  for (const r of latest) {
    const { model, dataset, method, protocol } = r.config;
    if (protocol === 'continual' || typeof model !== 'string' || !isObject(dataset) || !isObject(method))
      continue;
    if (typeof method.type !== 'string') continue;
    if (typeof dataset.sample !== 'string' && typeof dataset.path !== 'string') continue;
    return {
      runId: r.id,
      runName: r.name,
      model,
      dataset: dataset as LastChoice['dataset'],
      method: method as LastChoice['method'],
    };
  }
  return null;
}
