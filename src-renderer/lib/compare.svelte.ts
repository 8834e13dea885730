import type { MetricSeries, RunView } from '../../src-shared/domain.ts';
import { call } from './api.ts';

/** Series that say nothing when overlaid across runs. */
const HIDDEN_SERIES: readonly string[] = ['system/step_ms', 'system/stage'];
/** Overlay order: the curves people look at first. */
const ORDER = [
  'train/loss',
  'validation/loss',
  'validation/accuracy',
  'validation/macroF1',
  'validation/perplexity',
];
const rank = (key: string) => {
  const i = ORDER.indexOf(key);
  return i < 0 ? ORDER.length + (key.startsWith('validation/') ? 0 : 1) : i;
};

/** Metrics where lower is better; everything else (accuracy, macroF1...) is higher-is-better. */
export const lowerIsBetter = (name: string): boolean => /loss|perplexity|error/i.test(name);

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The Compare page's choices (which runs, smoothing, diff toggle, scatter metric) and the metric series of the
 * chosen runs, fetched once per run and refreshed while a chosen run still trains.
 */
export class CompareState {
  #selected = $state.raw<number[]>([]);
  #series = $state.raw<Record<number, MetricSeries[]>>({});
  #errors = $state.raw<Record<number, string>>({});
  #project: string | null = null;
  #touched = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #runs: readonly RunView[] = [];
  /** TensorBoard-style EMA weight, 0..0.99. */
  smoothing = $state(0.6);
  /** Config diff: hide the keys every chosen run agrees on. */
  differencesOnly = $state(true);
  /** Final validation metric on the scatter's y axis. */
  scatterMetric = $state('accuracy');

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
    const keys = this.#selected
      .flatMap((id) => this.#series[id] ?? [])
      .map((s) => `${s.split}/${s.name}`)
      .filter((k, i, all) => all.indexOf(k) === i && !HIDDEN_SERIES.includes(k));
    return keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
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
    this.#runs = runs;
    this.#follow();
  }

  toggle(runId: number, on = !this.isSelected(runId)): void {
    this.#touched = true;
    const others = this.#selected.filter((id) => id !== runId);
    if (on !== this.isSelected(runId)) this.#selected = on ? [...others, runId] : others;
    if (on && !this.#series[runId]) void this.#fetch(runId);
    this.#follow();
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

  /** Refetches chosen runs that still train every two seconds; stops when none does. */
  #follow(): void {
    const live = () =>
      this.#runs.filter(
        (r) => this.#selected.includes(r.id) && ['running', 'queued', 'paused'].includes(r.status),
      );
    if (live().length === 0) return this.dispose();
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      const ids = live().map((r) => r.id);
      if (ids.length === 0) this.dispose();
      for (const id of ids) void this.#fetch(id);
    }, 2000);
  }

  dispose(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
