import type { EvaluationReport } from '../../src-shared/evaluate.ts';
import { call } from './api.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The run page's Evaluate panel: a file to score the run on, and the report or the error. */
export class EvaluateState {
  #file = $state('');
  #busy = $state(false);
  #report = $state.raw<EvaluationReport | null>(null);
  #error = $state<string | null>(null);

  get file() {
    return this.#file;
  }
  set file(v: string) {
    this.#file = v;
  }
  get busy() {
    return this.#busy;
  }
  get report() {
    return this.#report;
  }
  get error() {
    return this.#error;
  }

  async evaluate(project: string, runId: number): Promise<void> {
    if (!this.#file.trim()) {
      this.#error = 'Give the path of a CSV or JSONL file with the columns this run trained on.';
      return;
    }
    this.#busy = true;
    this.#error = null;
    try {
      this.#report = await call('runs:evaluate', { project, runId, file: this.#file.trim() });
    } catch (err) {
      this.#report = null;
      this.#error = message(err);
    } finally {
      this.#busy = false;
    }
  }
}
