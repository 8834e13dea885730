import type { MetricSeries, RunProgress, RunView } from '../../src-shared/domain.ts';
import { call, on } from './api.ts';

/** Statuses in which a run may still gain points, so its metrics are followed. */
const LIVE: readonly string[] = ['running', 'queued', 'paused'];
export const isLive = (run: RunView | undefined): boolean => run !== undefined && LIVE.includes(run.status);

export type RunAction = 'runs:cancel' | 'runs:pause' | 'runs:resume';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The open project's runs, live progress from run events, and the selected run's metric series. Everything is
 * fetched once on open and then only when main pushes an event: main watches the project's database, so runs
 * trained by another process (`studio train` in a terminal) arrive the same way as this window's own.
 */
export class RunsState {
  #runs = $state.raw<RunView[]>([]);
  #progress = $state.raw<Record<number, RunProgress>>({});
  #series = $state.raw<MetricSeries[]>([]);
  #loaded = $state(false);
  /** Loading the list failed. */
  #error = $state<string | null>(null);
  /** Fetching the selected run's metrics failed. */
  #metricsError = $state<string | null>(null);
  /** A cancel/pause/resume failed: shown beside the buttons. */
  #actionError = $state<string | null>(null);
  #busy = $state<RunAction | null>(null);
  #following = $state(false);
  #project: string | null = null;
  #selected: number | null = null;
  #lastStep = -1;
  /** The metrics fetch in flight, and whether an event asked for another after it. */
  #fetching: Promise<void> | null = null;
  #again = false;
  /** A run was selected before any project was loaded: its first fetch waits for load(). */
  #selectPending = false;
  /** Runs an event changed while the list was being fetched (null: no fetch in flight). */
  #changedDuringLoad: Set<number> | null = null;
  /** Runs deleted while the list was being fetched: the list may still hold them. */
  #deletedDuringLoad: Set<number> | null = null;

  constructor() {
    on('run:progress', (p) => {
      if (p.projectPath !== this.#project) return;
      this.#progress = { ...this.#progress, [p.runId]: p };
    });
    on('run:status', ({ projectPath, run }) => {
      if (projectPath !== this.#project) return;
      this.#upsert(run);
      this.#changedDuringLoad?.add(run.id);
      if (run.id === this.#selected) this.#following = isLive(run);
    });
    on('run:metrics', ({ projectPath, runId }) => {
      if (projectPath === this.#project && runId === this.#selected) this.#fetchMetrics();
    });
    // Deleted anywhere (this window, another, a terminal): gone from the list, and the open run stops following.
    on('run:deleted', ({ projectPath, runId }) => {
      if (projectPath !== this.#project) return;
      this.#runs = this.#runs.filter((r) => r.id !== runId);
      this.#deletedDuringLoad?.add(runId);
      if (runId === this.#selected) {
        this.#following = false;
        this.#series = [];
      }
    });
  }

  get runs() {
    return this.#runs;
  }
  get progress() {
    return this.#progress;
  }
  get series() {
    return this.#series;
  }
  get loaded() {
    return this.#loaded;
  }
  get error() {
    return this.#error;
  }
  get metricsError() {
    return this.#metricsError;
  }
  get actionError() {
    return this.#actionError;
  }
  get busy() {
    return this.#busy;
  }
  /** True while the selected run can still gain points: its new points arrive with `run:metrics` events. */
  get following() {
    return this.#following;
  }

  #upsert(run: RunView): void {
    const others = this.#runs.filter((r) => r.id !== run.id);
    this.#runs = [run, ...others].sort((a, b) => b.id - a.id);
  }

  async load(project: string): Promise<void> {
    if (project !== this.#project) {
      this.#runs = [];
      this.#progress = {};
      this.#loaded = false;
    }
    this.#project = project;
    if (this.#selectPending) this.select(this.#selected);
    // Bookkeeping, not state: nothing renders it.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const changed = new Set<number>();
    this.#changedDuringLoad = changed;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const deleted = new Set<number>();
    this.#deletedDuringLoad = deleted;
    try {
      this.#error = null;
      const runs = await call('runs:list', { project });
      if (project !== this.#project) return;
      // A deletion and the list crossed: the list, read before it, must not bring the run back.
      this.#runs = runs.filter((r) => !deleted.has(r.id));
      // An event and the list crossed: the list may be the older of the two, so those runs are read again.
      for (const id of changed) void this.#refreshRun(id);
    } catch (err) {
      this.#error = `Could not load the runs: ${message(err)}`;
    } finally {
      if (this.#changedDuringLoad === changed) this.#changedDuringLoad = null;
      if (this.#deletedDuringLoad === deleted) this.#deletedDuringLoad = null;
      this.#loaded = true;
    }
  }

  /** Loads the open project's runs again (after a run was deleted). */
  async reloadList(): Promise<void> {
    if (this.#project) await this.load(this.#project);
  }

  /** Shows one run's metrics: everything once, then the new points each `run:metrics` event announces. */
  select(runId: number | null): void {
    this.#selected = runId;
    this.#series = [];
    this.#lastStep = -1;
    this.#metricsError = null;
    this.#actionError = null;
    this.#following = false;
    this.#selectPending = runId !== null && this.#project === null;
    if (runId === null || this.#selectPending) return;
    void this.#refreshRun(runId);
    this.#fetchMetrics();
  }

  /** Reads one run again: the selected one on select (it may not be listed yet), or one an event raced. */
  async #refreshRun(runId: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    try {
      const run = await call('runs:get', { project, runId });
      if (project !== this.#project) return;
      this.#upsert(run);
      if (runId === this.#selected) this.#following = isLive(run);
    } catch (err) {
      if (runId === this.#selected) this.#metricsError = `Could not load this run: ${message(err)}`;
    }
  }

  /** Fetches the selected run's new points; events during a fetch are folded into one more fetch after it. */
  #fetchMetrics(): void {
    if (this.#fetching) {
      this.#again = true;
      return;
    }
    this.#fetching = this.#fetchNewPoints().finally(() => {
      this.#fetching = null;
      if (this.#again) {
        this.#again = false;
        this.#fetchMetrics();
      }
    });
  }

  async #fetchNewPoints(): Promise<void> {
    const project = this.#project;
    const runId = this.#selected;
    if (!project || runId === null) return;
    // Evaluations share the step of a train point, so the last step shown is fetched again and replaced.
    const since = Math.max(-1, this.#lastStep - 1);
    let fresh: MetricSeries[];
    try {
      fresh = await call('runs:metrics', { project, runId, sinceStep: since });
      this.#metricsError = null;
    } catch (err) {
      if (runId === this.#selected) this.#metricsError = `Could not load this run's metrics: ${message(err)}`;
      return;
    }
    if (runId !== this.#selected || project !== this.#project) return;
    if (fresh.length) this.#merge(fresh, since);
  }

  #merge(fresh: MetricSeries[], since: number): void {
    // A scratch map for merging; the state is the array assigned below.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const merged = new Map(this.#series.map((s) => [`${s.split}/${s.name}`, s]));
    for (const s of fresh) {
      const key = `${s.split}/${s.name}`;
      const old = merged.get(key);
      const keep = old ? old.steps.findIndex((st) => st > since) : -1;
      const cut = keep < 0 ? (old?.steps.length ?? 0) : keep;
      merged.set(key, {
        split: s.split,
        name: s.name,
        steps: [...(old?.steps.slice(0, cut) ?? []), ...s.steps],
        values: [...(old?.values.slice(0, cut) ?? []), ...s.values],
      });
    }
    this.#series = [...merged.values()];
    this.#lastStep = Math.max(this.#lastStep, ...fresh.flatMap((s) => s.steps));
  }

  /** Cancels, pauses or resumes a run; a refusal is kept in `actionError` for the page to show by the buttons. */
  async action(kind: RunAction, runId: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    this.#busy = kind;
    this.#actionError = null;
    try {
      await call(kind, { project, runId });
      if (kind === 'runs:resume') this.select(runId);
    } catch (err) {
      const verb = kind.slice('runs:'.length);
      this.#actionError = `Could not ${verb} run ${runId}: ${message(err)}`;
    } finally {
      this.#busy = null;
    }
  }
}
