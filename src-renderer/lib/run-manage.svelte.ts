import type { RunView } from '../../src-shared/domain.ts';
import type { CheckpointView } from '../../src-shared/run-manage.ts';
import { call } from './api.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Splits what a user typed ("baseline, lr sweep") into tags, dropping empties and repeats. */
export function splitTags(text: string): string[] {
  const tags = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return tags.filter((t, i) => tags.indexOf(t) === i);
}

/** Statuses from which a run can be resumed at a chosen checkpoint. */
export const RESUMABLE_FROM_CHECKPOINT: readonly string[] = ['interrupted', 'paused', 'cancelled', 'failed'];

/**
 * The run page's editing panel and checkpoints: drafts of the name, notes and tags, delete, and resume or fork
 * from a kept checkpoint. Each action's refusal is kept in `error` for the page to show beside the form.
 */
export class RunManageState {
  #name = $state('');
  #notes = $state('');
  #tags = $state('');
  #busy = $state<string | null>(null);
  #error = $state<string | null>(null);
  #saved = $state<string | null>(null);
  #checkpoints = $state.raw<CheckpointView[]>([]);
  #forkMaxSteps = $state('');
  #forkLr = $state('');

  constructor(
    private readonly project: string,
    private readonly runId: number,
  ) {}

  /** Takes the run's stored values as the drafts (on first show, and after another window changed them). */
  reset(run: RunView): void {
    this.#name = run.name;
    this.#notes = run.notes;
    this.#tags = run.tags.join(', ');
  }

  get name() {
    return this.#name;
  }
  set name(v: string) {
    this.#name = v;
  }
  get notes() {
    return this.#notes;
  }
  set notes(v: string) {
    this.#notes = v;
  }
  get tags() {
    return this.#tags;
  }
  set tags(v: string) {
    this.#tags = v;
  }
  get forkMaxSteps() {
    return this.#forkMaxSteps;
  }
  set forkMaxSteps(v: string) {
    this.#forkMaxSteps = v;
  }
  get forkLr() {
    return this.#forkLr;
  }
  set forkLr(v: string) {
    this.#forkLr = v;
  }
  get busy() {
    return this.#busy;
  }
  get error() {
    return this.#error;
  }
  /** What the last successful save did, in words. */
  get saved() {
    return this.#saved;
  }
  get checkpoints() {
    return this.#checkpoints;
  }

  async #do<T>(what: string, fn: () => Promise<T>, done?: string): Promise<T | undefined> {
    this.#busy = what;
    this.#error = null;
    this.#saved = null;
    try {
      const value = await fn();
      if (done) this.#saved = done;
      return value;
    } catch (err) {
      this.#error = message(err);
      return undefined;
    } finally {
      this.#busy = null;
    }
  }

  save(): Promise<unknown> {
    const { project, runId } = this;
    // Taken now: each call's status event refreshes the drafts from the stored run before the next call goes.
    const name = this.#name;
    const notes = this.#notes;
    const wanted = splitTags(this.#tags);
    return this.#do(
      'save',
      async () => {
        await call('runs:rename', { project, runId, name });
        await call('runs:set-notes', { project, runId, notes });
        const { tags } = await call('runs:set-tags', { project, runId, tags: wanted });
        this.#tags = tags.join(', ');
      },
      'Saved.',
    );
  }

  /** Deletes the run; resolves true once it is gone. */
  async delete(): Promise<boolean> {
    const { project, runId } = this;
    return (await this.#do('delete', () => call('runs:delete', { project, runId }))) !== undefined;
  }

  async loadCheckpoints(): Promise<void> {
    const { project, runId } = this;
    const list = await this.#do('checkpoints', () => call('runs:checkpoints', { project, runId }));
    if (list) this.#checkpoints = list;
  }

  /** Resumes the run from `step`; resolves true once it trains again. */
  async resumeFrom(step: number): Promise<boolean> {
    const { project, runId } = this;
    const done = await this.#do('resume', () => call('runs:resume-from', { project, runId, step }));
    return done !== undefined;
  }

  /** Forks the run at `step` with the overrides typed in; resolves the new run's id. */
  async fork(step: number): Promise<number | undefined> {
    const { project, runId } = this;
    const maxSteps = this.#forkMaxSteps.trim();
    const lr = this.#forkLr.trim();
    if (maxSteps && !/^\d+$/.test(maxSteps)) {
      this.#error = 'Max steps: give a whole number, or leave it empty to keep the run’s own.';
      return undefined;
    }
    if (lr && !(Number(lr) > 0)) {
      this.#error = 'Learning rate: give a number above 0, or leave it empty to keep the run’s own.';
      return undefined;
    }
    const overrides = {
      ...(maxSteps ? { maxSteps: Number(maxSteps) } : {}),
      ...(lr ? { lr: Number(lr) } : {}),
    };
    const res = await this.#do('fork', () => call('runs:fork', { project, runId, step, overrides }));
    return res?.runId;
  }
}
