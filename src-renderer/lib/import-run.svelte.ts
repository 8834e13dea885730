import type { ImportRunResult } from '../../src-shared/export.ts';
import { call } from './api.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The Runs page's "Import a trained run": an Accelerate folder (exported, then trained by its train.py on GPUs)
 * recorded as a completed run. The runs list updates from main's run:status event, like any new run.
 */
export class ImportRunState {
  #folder = $state('');
  #busy = $state(false);
  #result = $state.raw<ImportRunResult | null>(null);
  #error = $state<string | null>(null);

  get folder() {
    return this.#folder;
  }
  set folder(v: string) {
    this.#folder = v;
  }
  get busy() {
    return this.#busy;
  }
  get result() {
    return this.#result;
  }
  get error() {
    return this.#error;
  }

  async importNow(project: string): Promise<void> {
    if (this.#busy || !this.#folder.trim()) return;
    this.#busy = true;
    this.#error = null;
    this.#result = null;
    try {
      this.#result = await call('export:import-run', { project, folder: this.#folder });
    } catch (err) {
      this.#error = message(err);
    } finally {
      this.#busy = false;
    }
  }
}
