/**
 * Main's side of the inference process: started on the first playground request and kept (its loaded models are
 * the point), restarted after a crash; requests carry ids so replies find their callers.
 */
import type { ChildProcess } from 'node:child_process';
import type { PlaygroundResult, RunPreview } from '../../src-shared/library.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { UserError } from '../errors.ts';
import { launchWorker } from '../training/worker-launch.ts';
import type { EvaluationReport } from '../../src-shared/evaluate.ts';
import type { PredictRequest } from './predict.ts';
import type { ScoreFileRequest } from './score-file.ts';
import type { InferenceJob, InferenceReply, InferenceRequest } from './protocol.ts';

export class InferenceClient {
  #child: ChildProcess | null = null;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  #stderr = '';

  #process(): ChildProcess {
    if (this.#child && this.#child.exitCode === null && this.#child.connected) return this.#child;
    const child = launchWorker({}, 'inference');
    this.#stderr = '';
    child.stderr?.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-2000)));
    child.on('message', (raw) => {
      const msg = raw as InferenceReply;
      const waiting = this.#pending.get(msg.id);
      if (!waiting) return;
      this.#pending.delete(msg.id);
      if ('error' in msg) waiting.reject(new UserError(msg.error));
      else waiting.resolve(msg.result);
    });
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = null;
      const last = this.#stderr.trim().split('\n').at(-1) ?? '';
      for (const [id, w] of this.#pending) {
        this.#pending.delete(id);
        w.reject(
          new Error(`the inference process ended (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`),
        );
      }
    });
    this.#child = child;
    return child;
  }

  #call(job: InferenceJob): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const msg: InferenceRequest = { id, job };
      this.#process().send(msg);
    });
  }

  predict(request: PredictRequest): Promise<PlaygroundResult> {
    return this.#call({ type: 'predict', request }) as Promise<PlaygroundResult>;
  }

  preview(config: TrainConfig): Promise<RunPreview> {
    return this.#call({ type: 'preview', config }) as Promise<RunPreview>;
  }

  /** A run scored on a file, off main's event loop. */
  evaluate(request: ScoreFileRequest): Promise<EvaluationReport> {
    return this.#call({ type: 'evaluate', request }) as Promise<EvaluationReport>;
  }

  stop(): void {
    this.#child?.kill();
    this.#child = null;
  }
}
