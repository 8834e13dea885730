import type { ContinualView } from '../../src-shared/continual.ts';
import type { z } from 'zod';
import type { continualConfigSchema } from '../../src-shared/train-config.ts';
import { call, on } from './api.ts';
import { shownError } from './form-errors.svelte.ts';
import type { ShownError } from './form-errors.svelte.ts';

type ContinualConfigInput = z.input<typeof continualConfigSchema>;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The open project's continual runs; followed live while any of them trains, through main's run events (the
 * matrix's rows are stored as metrics as stages finish), never on a timer.
 */
export class ContinualState {
  #views = $state.raw<ContinualView[]>([]);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  /** Start's refusal, with the field it is about (the form shows it there). */
  #startError = $state.raw<ShownError | null>(null);
  #starting = $state(false);
  #project: string | null = null;
  /** Unsubscribes the events (stop). */
  readonly #off: (() => void)[];

  constructor() {
    this.#off = [
      // A new, finished or stopped run changes the list: reload when any run of this project changes status.
      on('run:status', ({ projectPath }) => {
        if (projectPath === this.#project) void this.refresh();
      }),
      // A finished stage stores its row of the matrix as metric points of its continual run.
      on('run:metrics', ({ projectPath, runId }) => {
        if (projectPath === this.#project && this.#views.some((v) => v.run.id === runId)) void this.refresh();
      }),
    ];
  }

  get views() {
    return this.#views;
  }
  get loaded() {
    return this.#loaded;
  }
  get error() {
    return this.#error;
  }
  get startError() {
    return this.#startError?.message ?? null;
  }
  get startProblem() {
    return this.#startError;
  }
  get starting() {
    return this.#starting;
  }

  async load(project: string): Promise<void> {
    if (project !== this.#project) {
      this.#project = project;
      this.#views = [];
      this.#loaded = false;
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const project = this.#project;
    if (!project) return;
    try {
      const views = await call('continual:list', { project });
      if (project !== this.#project) return;
      this.#views = views;
      this.#error = null;
      this.#loaded = true;
    } catch (err) {
      this.#error = message(err);
    }
  }

  /** Stops following the project's events (the page is left). */
  stop(): void {
    for (const off of this.#off) off();
  }

  async start(config: ContinualConfigInput): Promise<number | null> {
    this.#starting = true;
    this.#startError = null;
    try {
      const { runId } = await call('continual:start', { config });
      await this.refresh();
      return runId;
    } catch (err) {
      this.#startError = shownError(err);
      return null;
    } finally {
      this.#starting = false;
    }
  }
}
