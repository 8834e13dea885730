import type { ForgettingReport } from '../../src-shared/forgetting.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { call, on } from './api.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Where a reference comes from in the pickers: a sample, a dataset imported into the project, or a typed path. */
export interface ReferenceChoice {
  /** `sample:<name>`, `dataset:<id>` or `file`. */
  key: string;
  title: string;
  spec: DatasetSpec | null;
}

/**
 * Forgetting reports of some runs of a project (the run page: one run; Compare: the chosen ones), fetched once and
 * again when main says a run changed (`run:status`: a report is stored when scoring ends), and scoring a run on a
 * reference from the run page.
 */
export class ForgettingState {
  #reports = $state.raw<Record<number, ForgettingReport[]>>({});
  #busy = $state(false);
  #error = $state<string | null>(null);
  #project: string;
  #runIds: number[] = [];
  readonly #off: () => void;

  constructor(project: string) {
    this.#project = project;
    this.#off = on('run:status', ({ projectPath, run }) => {
      if (projectPath === this.#project && this.#runIds.includes(run.id)) void this.#fetch(run.id);
    });
  }

  get reports(): Record<number, ForgettingReport[]> {
    return this.#reports;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get error(): string | null {
    return this.#error;
  }

  /** Shows these runs' reports (fetching those not fetched yet). */
  use(runIds: readonly number[]): void {
    const added = runIds.filter((id) => !this.#runIds.includes(id));
    this.#runIds = [...runIds];
    for (const id of added) void this.#fetch(id);
  }

  async #fetch(runId: number): Promise<void> {
    try {
      const list = await call('forgetting:list', { project: this.#project, runId });
      this.#reports = { ...this.#reports, [runId]: list };
    } catch (err) {
      this.#error = message(err);
    }
  }

  /** Scores `runId` on the reference (in the engine process); the stored report then shows with the others. */
  async score(runId: number, reference: DatasetSpec | null, maxExamples?: number): Promise<void> {
    if (!reference) {
      this.#error = 'Choose a reference set: a sample, a dataset of the project, or the path of a file.';
      return;
    }
    this.#busy = true;
    this.#error = null;
    try {
      await call('forgetting:score', {
        project: this.#project,
        runId,
        spec: { reference, ...(maxExamples ? { maxExamples } : {}) },
      });
      await this.#fetch(runId);
    } catch (err) {
      this.#error = message(err);
    } finally {
      this.#busy = false;
    }
  }

  dispose(): void {
    this.#off();
  }
}
