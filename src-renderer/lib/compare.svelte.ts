import type { MetricSeries, RunView } from '../../src-shared/domain.ts';
import { call, on } from './api.ts';
import { overlaidKeys } from './chart-data.ts';

/** Metrics where lower is better; everything else (accuracy, macroF1...) is higher-is-better. */
export const lowerIsBetter = (name: string): boolean => /loss|perplexity|error/i.test(name);

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The Compare page's choices (which runs, smoothing, diff toggle, scatter metric) and the metric series of the
 * chosen runs, fetched once per run and again when main announces new points of a chosen run (`run:metrics`)
 * while the page is shown.
 */
export class CompareState {
  #selected = $state.raw<number[]>([]);
  #series = $state.raw<Record<number, MetricSeries[]>>({});
  #errors = $state.raw<Record<number, string>>({});
  #project: string | null = null;
  #touched = false;
  /** Whether the page is shown: only then do events refetch. */
  #active = false;
  /** TensorBoard-style EMA weight, 0..0.99. */
  smoothing = $state(0.6);
  /** Config diff: hide the keys every chosen run agrees on. */
  differencesOnly = $state(true);
  /** Final validation metric on the scatter's y axis. */
  scatterMetric = $state('accuracy');

  constructor() {
    on('run:metrics', ({ projectPath, runId }) => {
      if (this.#active && projectPath === this.#project && this.isSelected(runId)) void this.#fetch(runId);
    });
  }

  get selected(): number[] {
    return this.#selected;
  }
  get series(): Record<number, MetricSeries[]> {
    return this.#series;
  }
  /** Per run: why its metrics could not be fetched. */
  get errors(): Record<number, string> {
    return this.#errors;
  }

  isSelected(runId: number): boolean {
    return this.#selected.includes(runId);
  }

  /** Metric keys (`split/name`) present in any chosen run, in display order. */
  metricKeys(): string[] {
    return overlaidKeys(this.#selected.flatMap((id) => this.#series[id] ?? []));
  }

  /**
   * Follows the open project. On the first visit the latest finished runs (up to three) are chosen, so the
   * page shows a comparison at once; after that the user's choice is kept.
   */
  use(project: string, runs: readonly RunView[]): void {
    if (project !== this.#project) {
      this.#project = project;
      this.#selected = [];
      this.#series = {};
      this.#errors = {};
      this.#touched = false;
    }
    const kept = this.#selected.filter((id) => runs.some((r) => r.id === id));
    if (kept.length !== this.#selected.length) this.#selected = kept;
    if (!this.#touched && this.#selected.length === 0 && runs.length > 0) {
      const finished = runs.filter((r) => r.status === 'completed').slice(0, 3);
      for (const r of finished) this.toggle(r.id, true);
      this.#touched = false;
    }
    // Points stored while the page was not shown are fetched again for the chosen runs that still train.
    if (!this.#active)
      for (const r of runs)
        if (this.isSelected(r.id) && this.#series[r.id] && ['running', 'queued', 'paused'].includes(r.status))
          void this.#fetch(r.id);
    this.#active = true;
  }

  toggle(runId: number, on = !this.isSelected(runId)): void {
    this.#touched = true;
    const others = this.#selected.filter((id) => id !== runId);
    if (on !== this.isSelected(runId)) this.#selected = on ? [...others, runId] : others;
    if (on && !this.#series[runId]) void this.#fetch(runId);
  }

  async #fetch(runId: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    try {
      const series = await call('runs:metrics', { project, runId, sinceStep: -1 });
      if (project !== this.#project) return;
      this.#series = { ...this.#series, [runId]: series };
      if (this.#errors[runId]) {
        const { [runId]: _gone, ...rest } = this.#errors;
        this.#errors = rest;
      }
    } catch (err) {
      if (project === this.#project) this.#errors = { ...this.#errors, [runId]: message(err) };
    }
  }

  /** The page is left: events no longer refetch. */
  dispose(): void {
    this.#active = false;
  }
}
