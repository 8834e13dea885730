/**
 * Dynamic batching with back-pressure, in main (no tf.js here): requests wait in one bounded queue; when the
 * serving process is free, the scheduler waits a short window for more to arrive (or none, once `maxBatch` are
 * waiting), then sends up to `maxBatch` requests on the same base model as one batch, whatever their adapters.
 * One batch is in flight at a time: the serving process computes one at a time anyway, and the queue fills while
 * it does. A full queue refuses at once (503 with Retry-After) instead of letting latency grow without bound.
 */
import type { ItemResult, ServeItem } from '../serving/protocol.ts';
import { ApiRefusal } from './errors.ts';

export interface SchedulerOptions {
  /** How long a batch waits for company once the process is free (ms). */
  windowMs: number;
  maxBatch: number;
  /** Requests waiting at most; past it, 503. */
  maxQueue: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { windowMs: 2, maxBatch: 32, maxQueue: 256 };

interface Waiting {
  model: string;
  item: ServeItem;
  resolve: (r: ItemResult) => void;
  reject: (e: Error) => void;
}

export type RunBatch = (model: string, items: ServeItem[]) => Promise<ItemResult[]>;

export class BatchScheduler {
  readonly #queue: Waiting[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Batch sizes sent, for the bench and the tests. */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly run: RunBatch,
    readonly opts: SchedulerOptions = DEFAULT_SCHEDULER,
  ) {}

  get queued(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  submit(model: string, item: ServeItem): Promise<ItemResult> {
    if (this.#queue.length >= this.opts.maxQueue)
      return Promise.reject(
        new ApiRefusal(
          503,
          `the server is busy (${this.#queue.length} requests waiting): try again shortly`,
          1,
        ),
      );
    return new Promise((resolve, reject) => {
      this.#queue.push({ model, item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight > 0 || this.#queue.length === 0) return;
    if (this.#queue.length >= this.opts.maxBatch) return this.#dispatch();
    this.#timer ??= setTimeout(() => this.#dispatch(), this.opts.windowMs);
  }

  #dispatch(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#inFlight > 0 || this.#queue.length === 0) return;
    const model = (this.#queue[0] as Waiting).model;
    const batch: Waiting[] = [];
    for (let i = 0; i < this.#queue.length && batch.length < this.opts.maxBatch; ) {
      const w = this.#queue[i] as Waiting;
      if (w.model === model) {
        batch.push(w);
        this.#queue.splice(i, 1);
      } else i++;
    }
    this.#inFlight++;
    this.batchSizes.push(batch.length);
    this.run(
      model,
      batch.map((w) => w.item),
    )
      .then(
        (results) => batch.forEach((w, i) => w.resolve(results[i] as ItemResult)),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          for (const w of batch) w.reject(e);
        },
      )
      .finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
  }

  /** Refuses everything still waiting (the server is stopping). */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of this.#queue.splice(0)) w.reject(new ApiRefusal(503, 'the API server is stopping', 1));
  }
}
