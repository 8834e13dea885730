/** Main's side of the serving process (serving/worker.ts): batches, hot load and unload, its status. */
import { WorkerClient } from '../process/worker-client.ts';
import type {
  AdapterRef,
  ItemResult,
  LoadResult,
  ServeItem,
  ServingJob,
  ServingResults,
  ServingStatus,
} from './protocol.ts';

export class ServingClient {
  readonly #worker = new WorkerClient<ServingJob, ServingResults>('serving');

  batch(model: string, items: ServeItem[]): Promise<ItemResult[]> {
    return this.#worker.call({ type: 'batch', model, items });
  }

  load(model: string, adapter: AdapterRef): Promise<LoadResult> {
    return this.#worker.call({ type: 'load', model, adapter });
  }

  unload(model: string, key: string): Promise<{ unloaded: boolean }> {
    return this.#worker.call({ type: 'unload', model, key });
  }

  status(): Promise<ServingStatus> {
    return this.#worker.call({ type: 'status' });
  }

  stop(): void {
    this.#worker.stop();
  }
}
