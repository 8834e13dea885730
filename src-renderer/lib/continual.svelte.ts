import type { ContinualView } from '../../src-shared/continual.ts';
import type { z } from 'zod';
import type { continualConfigSchema } from '../../src-shared/train-config.ts';
import { call, on } from './api.ts';
import { ProjectListState } from './project-list.svelte.ts';
import { shownError } from './form-errors.svelte.ts';
import type { ShownError } from './form-errors.svelte.ts';

type ContinualConfigInput = z.input<typeof continualConfigSchema>;

/**
 * The open project's continual runs; followed live while any of them trains, through main's run events (the
 * matrix's rows are stored as metrics as stages finish), never on a timer.
 */
export class ContinualState extends ProjectListState<ContinualView> {
  /** Start's refusal, with the field it is about (the form shows it there). */
  #startError = $state.raw<ShownError | null>(null);
  #starting = $state(false);
  /** A refused fusion, by the continual run it was asked for. */
  #fuseErrors = $state.raw<Record<number, string>>({});
  /** The continual run whose fusion is being started, if any. */
  #fusing = $state<number | null>(null);

  constructor() {
    // A new, finished or stopped run changes the list: reload when any run of this project changes status.
    super((project) => call('continual:list', { project }), ['run:status']);
    // A finished stage stores its row of the matrix as metric points of its continual run.
    this.follow(
      on('run:metrics', ({ projectPath, runId }) => {
        if (projectPath === this.project && this.views.some((v) => v.run.id === runId)) void this.refresh();
      }),
    );
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

  fuseError(runId: number): string | null {
    return this.#fuseErrors[runId] || null;
  }
  fusing(runId: number): boolean {
    return this.#fusing === runId;
  }

  /**
   * Starts AdapterFusion over continual run `runId`'s stage adapters, trained on its task `task`; the fusion then
   * shows under that run (the list reloads on its status events). Returns the fusion's run id, or null if refused.
   */
  async fuse(runId: number, task: string, epochs: number): Promise<number | null> {
    const project = this.project;
    if (!project) return null;
    this.#fusing = runId;
    this.#fuseErrors = { ...this.#fuseErrors, [runId]: '' };
    try {
      const started = await call('continual:fuse', { project, runId, task, epochs });
      await this.refresh();
      return started.runId;
    } catch (err) {
      this.#fuseErrors = { ...this.#fuseErrors, [runId]: shownError(err).message };
      return null;
    } finally {
      this.#fusing = null;
    }
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
