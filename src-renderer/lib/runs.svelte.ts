import type { MetricSeries, RunProgress, RunView } from '../../src-shared/domain.ts';
import { call, on } from './api.ts';

/** The open project's runs, live progress from run events, and the selected run's metric series. */
export class RunsState {
  #runs = $state.raw<RunView[]>([]);
  #progress = $state.raw<Record<number, RunProgress>>({});
  #series = $state.raw<MetricSeries[]>([]);
  #error = $state<string | null>(null);
  #project: string | null = null;
  #selected: number | null = null;
  #lastStep = -1;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    on('run:progress', (p) => {
      if (p.projectPath !== this.#project) return;
      this.#progress = { ...this.#progress, [p.runId]: p };
    });
    on('run:status', ({ projectPath, run }) => {
      if (projectPath !== this.#project) return;
      const others = this.#runs.filter((r) => r.id !== run.id);
      this.#runs = [run, ...others].sort((a, b) => b.id - a.id);
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
  get error() {
    return this.#error;
  }
  set error(e: string | null) {
    this.#error = e;
  }

  async #try<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      this.#error = null;
      return await work();
    } catch (err) {
      this.#error = err instanceof Error ? err.message : String(err);
      return undefined;
    }
  }

  async load(project: string): Promise<void> {
    this.#project = project;
    await this.#try(async () => (this.#runs = await call('runs:list', { project })));
  }

  /** Follows one run's metrics: everything once, then only new points every second while it trains. */
  select(runId: number | null): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#selected = runId;
    this.#series = [];
    this.#lastStep = -1;
    if (runId === null) return;
    // The project may still be loading; #poll waits for it.
    void this.#poll();
    this.#timer = setInterval(() => void this.#poll(), 1000);
  }

  async #poll(): Promise<void> {
    const project = this.#project;
    const runId = this.#selected;
    if (!project || runId === null) return;
    // New points only: everything after the last step already shown (evaluations share the step of a train point,
    // so the last step is fetched again and replaced).
    const since = Math.max(-1, this.#lastStep - 1);
    const fresh = await this.#try(() => call('runs:metrics', { project, runId, sinceStep: since }));
    if (!fresh || runId !== this.#selected) return;
    if (fresh.length) {
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
    const run = this.#runs.find((r) => r.id === runId);
    if (run && !['running', 'queued', 'paused'].includes(run.status) && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async action(kind: 'runs:cancel' | 'runs:pause' | 'runs:resume', runId: number): Promise<void> {
    const project = this.#project;
    if (!project) return;
    await this.#try(() => call(kind, { project, runId }));
    if (kind === 'runs:resume') this.select(runId);
  }

  dispose(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
