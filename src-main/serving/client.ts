/** Main's side of the serving process (serving/worker.ts): batches, hot load and unload, generation, its status. */
import type { GenerateRequest, GenerationResult } from '../../src-shared/generation.ts';
import { WorkerClient } from '../process/worker-client.ts';
import type {
  AdapterRef,
  GenerationPiece,
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

  /**
   * Text generation; `onPiece` hears the text as it grows (the worker runs one job at a time). Aborting `signal`
   * stops it at the next token (the call rejects): a client that went away must not hold the process.
   */
  generate(
    request: GenerateRequest,
    onPiece?: (p: GenerationPiece) => void,
    signal?: AbortSignal,
  ): Promise<GenerationResult> {
    return this.#worker.call(
      { type: 'generate', request },
      onPiece ? (p) => onPiece(p as GenerationPiece) : undefined,
      signal,
    );
  }

  stop(): void {
    this.#worker.stop();
  }
}
