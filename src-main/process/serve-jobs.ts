/**
 * The worker's side of WorkerClient: runs each request's job, one at a time (jobs may share loaded state), and
 * replies with the result or a one-line error. Exits when main goes away.
 */
import './parent-port.ts';
import { describeUserFacing } from '../errors.ts';
import type { WorkerReply, WorkerRequest } from './worker-client.ts';

/**
 * `run` gets the job and a `progress` function: each call sends one progress message to the caller (it goes out
 * when the event loop next turns, so a long job awaits between messages for them to stream).
 */
export function serveJobs<Job>(
  run: (job: Job, progress: (p: unknown) => void) => unknown,
  ready: Promise<unknown> = Promise.resolve(),
): void {
  const reply = (msg: WorkerReply) => process.send?.(msg);
  let queue = Promise.resolve();
  process.on('message', (raw) => {
    const { id, job } = raw as WorkerRequest<Job>;
    queue = queue.then(async () => {
      try {
        await ready;
        reply({ id, result: await run(job, (progress) => reply({ id, progress })) });
      } catch (err) {
        reply({ id, error: describeUserFacing(err) ?? (err instanceof Error ? err.message : String(err)) });
      }
    });
  });
  // Main went away (closed, crashed): nothing to serve any more.
  process.on('disconnect', () => process.exit(0));
}
