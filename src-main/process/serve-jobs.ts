/**
 * The worker's side of WorkerClient: runs each request's job, one at a time (jobs may share loaded state), and
 * replies with the result or a one-line error. Exits when main goes away.
 */
import './parent-port.ts';
import { describeUserFacing, UserError } from '../errors.ts';
import { CANCELLED } from './messages.ts';
import type { WorkerMessage, WorkerReply } from './messages.ts';

/**
 * `run` gets the job, a `progress` function — each call sends one progress message to the caller (it goes out
 * when the event loop next turns, so a long job awaits between messages for them to stream) — and a signal that
 * aborts when the caller cancels. A cancel is a message like any other: a job that wants to be stoppable must let
 * the event loop turn (await a macrotask) between steps for it to arrive, and stop when the signal says so.
 */
export function serveJobs<Job>(
  run: (job: Job, progress: (p: unknown) => void, signal: AbortSignal) => unknown,
  ready: Promise<unknown> = Promise.resolve(),
): void {
  const reply = (msg: WorkerReply) => process.send?.(msg);
  /** Jobs queued or running, by id: what a cancel message aborts. */
  const live = new Map<number, AbortController>();
  let queue = Promise.resolve();
  process.on('message', (raw) => {
    const msg = raw as WorkerMessage<Job>;
    if ('cancel' in msg) {
      live.get(msg.id)?.abort(new UserError(CANCELLED));
      return;
    }
    const { id, job } = msg;
    const controller = new AbortController();
    live.set(id, controller);
    queue = queue.then(async () => {
      try {
        await ready;
        // Cancelled while it waited: never started.
        controller.signal.throwIfAborted();
        reply({ id, result: await run(job, (progress) => reply({ id, progress }), controller.signal) });
      } catch (err) {
        reply({ id, error: describeUserFacing(err) ?? (err instanceof Error ? err.message : String(err)) });
      } finally {
        live.delete(id);
      }
    });
  });
  // Main went away (closed, crashed): nothing to serve any more.
  process.on('disconnect', () => process.exit(0));
}
