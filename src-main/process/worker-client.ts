/**
 * Main's side of a long-lived worker process (the engine process, the data process): started on the first request
 * and kept (what it has loaded is the point), restarted after a crash; requests carry ids so replies find their
 * callers. A reply's error is one line for the user (the worker ran describeUserFacing).
 */
import type { WorkerProcess } from './launcher.ts';
import { UserError } from '../errors.ts';
import { launchWorker } from './worker-launch.ts';
import type { WorkerKind } from './worker-launch.ts';
import { CANCELLED } from './messages.ts';
import type { WorkerMessage, WorkerReply } from './messages.ts';

export class WorkerClient<Job extends { type: string }, Results extends Record<Job['type'], unknown>> {
  #child: WorkerProcess | null = null;
  #next = 1;
  readonly #pending = new Map<
    number,
    { resolve: (r: unknown) => void; reject: (e: Error) => void; progress?: (p: unknown) => void }
  >();
  #stderr = '';

  constructor(private readonly kind: WorkerKind) {}

  #alive(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.connected;
  }

  #process(): WorkerProcess {
    if (this.#child && this.#alive()) return this.#child;
    const child = launchWorker({}, this.kind);
    this.#stderr = '';
    child.stderr?.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-2000)));
    child.on('message', (raw) => {
      const msg = raw as WorkerReply;
      const waiting = this.#pending.get(msg.id);
      if (!waiting) return;
      if ('progress' in msg) {
        waiting.progress?.(msg.progress);
        return;
      }
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
          new Error(`the ${this.kind} process ended (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`),
        );
      }
    });
    this.#child = child;
    return child;
  }

  /**
   * Runs a job in the worker; resolves with the result its type declares. `onProgress` hears the job's progress
   * messages (as the job type declares them), in order, before it resolves. Aborting `signal` asks the worker to
   * stop the job (a job that watches its signal ends early, one that does not finishes); the call then rejects
   * with the worker's CANCELLED error once the worker let go of it, so the next job never overlaps it.
   */
  async call<J extends Job>(
    job: J,
    onProgress?: (p: unknown) => void,
    signal?: AbortSignal,
  ): Promise<Results[J['type']]> {
    if (signal?.aborted) throw new UserError(CANCELLED);
    // Starting a process costs main tens of milliseconds: give it its own turn of the event loop rather than
    // adding it to the caller's synchronous work (a database read, a file check).
    if (!this.#alive()) await new Promise((resolve) => setImmediate(resolve));
    const id = this.#next++;
    const child = this.#process();
    const cancel = () => {
      const msg: WorkerMessage<Job> = { id, cancel: true };
      if (child.connected) child.send(msg);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    return new Promise<Results[J['type']]>((resolve, reject) => {
      // The worker answers each job type with its declared result type.
      this.#pending.set(id, {
        resolve: (r) => resolve(r as Results[J['type']]),
        reject,
        ...(onProgress ? { progress: onProgress } : {}),
      });
      const msg: WorkerMessage<Job> = { id, job };
      child.send(msg);
    }).finally(() => signal?.removeEventListener('abort', cancel));
  }

  stop(): void {
    this.#child?.kill();
    this.#child = null;
  }
}
