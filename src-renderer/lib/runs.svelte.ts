import type { MetricSeries, RunProgress, RunView } from '../../src-shared/domain.ts';
import { call, on } from './api.ts';

/** Statuses in which a run may still gain points, so its metrics are polled. */
const LIVE: readonly string[] = ['running', 'queued', 'paused'];
export const isLive = (run: RunView | undefined): boolean => run !== undefined && LIVE.includes(run.status);

export type RunAction = 'runs:cancel' | 'runs:pause' | 'runs:resume';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The open project's runs, live progress from run events, and the selected run's metric series. */
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
  #polling = $state(false);
  #project: string | null = null;
  #selected: number | null = null;
  #lastStep = -1;
  #timer: ReturnType<typeof setInterval> | null = null;
  #listTimer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    on('run:progress', (p) => {
      if (p.projectPath !== this.#project) return;
      this.#progress = { ...this.#progress, [p.runId]: p };
    });
    on('run:status', ({ projectPath, run }) => {
      if (projectPath !== this.#project) return;
      this.#upsert(run);
      // A resumed run gains points again.
      if (run.id === this.#selected && isLive(run) && !this.#timer) this.#startPolling();
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
  /** True while the selected run's metrics are being followed. */
  get polling() {
    return this.#polling;
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
    try {
      this.#error = null;
      const runs = await call('runs:list', { project });
      if (project === this.#project) this.#runs = runs;
    } catch (err) {
      this.#error = `Could not load the runs: ${message(err)}`;
    } finally {
      this.#loaded = true;
    }
  }

  /** Loads the open project's runs again (after a run was deleted). */
  async reloadList(): Promise<void> {
    if (this.#project) await this.load(this.#project);
  }

  /**
   * While the list is on screen, reloads it every two seconds as long as a run is live: runs trained by the CLI in
   * another process report no events to this window, only rows in the project's database.
   */
  watchList(on: boolean): void {
    if (this.#listTimer) clearInterval(this.#listTimer);
    this.#listTimer = null;
    if (!on) return;
    this.#listTimer = setInterval(() => {
      if (this.#project && this.#runs.some(isLive)) void this.load(this.#project);
    }, 2000);
  }

  /** Follows one run's metrics: everything once, then only new points every second while it can still train. */
  select(runId: number | null): void {
    this.#stopPolling();
    this.#selected = runId;
    this.#series = [];
    this.#lastStep = -1;
    this.#metricsError = null;
    this.#actionError = null;
    if (runId === null) return;
    void this.#poll();
    this.#startPolling();
  }

  #startPolling(): void {
    this.#stopPolling();
    this.#timer = setInterval(() => void this.#poll(), 1000);
    this.#polling = true;
  }

  #stopPolling(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#polling = false;
  }

  async #poll(): Promise<void> {
    const project = this.#project;
    const runId = this.#selected;
    if (!project || runId === null) return;
    // Evaluations share the step of a train point, so the last step shown is fetched again and replaced.
    const since = Math.max(-1, this.#lastStep - 1);
    let fresh: MetricSeries[];
    let run: RunView;
    try {
      // The run itself too: a run trained by the CLI in another process sends this window no events.
      [fresh, run] = await Promise.all([
        call('runs:metrics', { project, runId, sinceStep: since }),
        call('runs:get', { project, runId }),
      ]);
      this.#metricsError = null;
    } catch (err) {
      if (runId === this.#selected) this.#metricsError = `Could not load this run's metrics: ${message(err)}`;
      return;
    }
    if (runId !== this.#selected || project !== this.#project) return;
    if (fresh.length) this.#merge(fresh, since);
    this.#upsert(run);
    if (!isLive(run)) this.#stopPolling();
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

  dispose(): void {
    this.watchList(false);
    this.#stopPolling();
  }
}
