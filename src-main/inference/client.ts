/** Main's side of the engine process (inference/worker.ts): everything that needs tf.js or a model graph. */
import type { DoctorReport } from '../../src-shared/domain.ts';
import type { PlaygroundResult, RunPreview } from '../../src-shared/library.ts';
import type { MergeSummary } from '../../src-shared/merge.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import type { MergeFoldersRequest } from '../lora-merge/folders.ts';
import type { EvaluationReport } from '../../src-shared/evaluate.ts';
import type { GenerateRequest, GenerationResult } from '../../src-shared/generation.ts';
import type {
  EngineExportJob,
  EngineExportResult,
  ExportEngine,
  ImportAdapterJob,
  ImportAdapterResult,
} from '../export/engine-job.ts';
import { WorkerClient } from '../process/worker-client.ts';
import type { PreflightResult } from '../training/preflight/index.ts';
import type { PredictRequest } from './predict.ts';
import type { ScoreFileRequest } from './score-file.ts';
import type { GenerationPiece, InferenceJob, InferenceResults } from './protocol.ts';
import type { ForgettingRequest, ForgettingResult } from './forgetting.ts';

export class InferenceClient implements ExportEngine {
  readonly #worker = new WorkerClient<InferenceJob, InferenceResults>('inference');

  predict(request: PredictRequest): Promise<PlaygroundResult> {
    return this.#worker.call({ type: 'predict', request });
  }

  preview(config: TrainConfig): Promise<RunPreview> {
    return this.#worker.call({ type: 'preview', config });
  }

  /** The engine process's backend report (its backend is chosen as a training process's would be). */
  doctor(): Promise<DoctorReport> {
    return this.#worker.call({ type: 'doctor' });
  }

  exportFormat(job: EngineExportJob): Promise<EngineExportResult> {
    return this.#worker.call({ type: 'export', job });
  }

  /** An adapter trained elsewhere, loaded onto its base and saved as a run's adapter (`studio import-run`). */
  importAdapter(job: ImportAdapterJob): Promise<ImportAdapterResult> {
    return this.#worker.call({ type: 'import-adapter', job });
  }

  /** A run scored on a file, off main's event loop. */
  evaluate(request: ScoreFileRequest): Promise<EvaluationReport> {
    return this.#worker.call({ type: 'evaluate', request });
  }

  /**
   * The pre-flight of a run about to start (training/preflight/): its dataset, model folder, sizes and memory
   * budget, checked in the engine process; rejects with the one-line refusal. Nothing is written either way.
   */
  preflight(config: TrainConfig): Promise<PreflightResult> {
    return this.#worker.call({ type: 'preflight', config });
  }

  /** LoRA adapter folders merged into a new folder (lora-merge/), off main's event loop. */
  mergeAdapters(request: MergeFoldersRequest): Promise<MergeSummary> {
    return this.#worker.call({ type: 'merge-adapters', request });
  }

  /** Text generation (the generation playground); `onPiece` hears each column's text grow, token by token. */
  generate(request: GenerateRequest, onPiece: (piece: GenerationPiece) => void): Promise<GenerationResult> {
    // The worker's generate job sends GenerationPiece progress messages only.
    return this.#worker.call({ type: 'generate', request }, (p) => onPiece(p as GenerationPiece));
  }

  /** Rejects with the one-line reason when the engine cannot load the adapter folder on `model`. */
  async checkAdapter(model: string, dir: string): Promise<void> {
    await this.#worker.call({ type: 'check-adapter', model, dir });
  }

  /** A run's forgetting on a reference set: the base before and after the run, scored off main's event loop. */
  forgetting(request: ForgettingRequest): Promise<ForgettingResult> {
    return this.#worker.call({ type: 'forgetting', request });
  }

  stop(): void {
    this.#worker.stop();
  }
}
