/**
 * The messages between main's WorkerClient and a worker's serveJobs, in a file of their own: the worker side must
 * not load worker-client.ts (it starts processes), and main's side must not load serve-jobs.ts (it takes over the
 * process's message port).
 */

/** Main -> worker: a job, or the cancel of one sent before (its caller gave up: a client went away). */
export interface WorkerRequest<Job> {
  id: number;
  job: Job;
}
export interface WorkerCancel {
  id: number;
  cancel: true;
}
export type WorkerMessage<Job> = WorkerRequest<Job> | WorkerCancel;

/**
 * Worker -> main: the result, or a one-line error for the user; before either, any number of progress messages
 * (a generation's tokens as they are made) for a caller that listens.
 */
export type WorkerReply =
  | { id: number; result: unknown }
  | { id: number; error: string }
  | { id: number; progress: unknown };

/** The error a cancelled job ends with (the worker stopped it, or it never started). */
export const CANCELLED = 'cancelled: the caller went away';
