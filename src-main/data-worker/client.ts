/**
 * Main's side of the data process (data-worker/worker.ts): parsing and validating whole datasets (every row of a
 * 200k-row CSV, every image of a folder) happens there, so main's event loop keeps serving the window.
 */
import type { ColumnMapping } from '../../src-shared/datasets.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import type { DatasetSummary, FileDraft } from '../data/draft.ts';
import { WorkerClient } from '../process/worker-client.ts';

export type DataJob =
  | { type: 'draft'; abs: string; file: string; name: string; mapping?: ColumnMapping | undefined }
  | { type: 'summary'; spec: DatasetSpec };

export interface DataResults {
  draft: FileDraft;
  summary: DatasetSummary;
}

export class DataClient {
  readonly #worker = new WorkerClient<DataJob, DataResults>('data');

  /** data/draft.ts `draftFile`, in the data process. */
  draft(abs: string, file: string, name: string, mapping?: ColumnMapping): Promise<FileDraft> {
    return this.#worker.call({ type: 'draft', abs, file, name, mapping });
  }

  /** data/draft.ts `summarizeDataset`, in the data process. */
  summary(spec: DatasetSpec): Promise<DatasetSummary> {
    return this.#worker.call({ type: 'summary', spec });
  }

  stop(): void {
    this.#worker.stop();
  }
}
