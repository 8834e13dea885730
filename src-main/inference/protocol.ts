import type { DoctorReport } from '../../src-shared/domain.ts';
import type { EvaluationReport } from '../../src-shared/evaluate.ts';
import type { GenerateRequest, GenerationResult } from '../../src-shared/generation.ts';
import type { PlaygroundResult, RunPreview } from '../../src-shared/library.ts';
import type { MergeSummary } from '../../src-shared/merge.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import type { MergeFoldersRequest } from '../lora-merge/folders.ts';
import type {
  EngineExportJob,
  EngineExportResult,
  ImportAdapterJob,
  ImportAdapterResult,
} from '../export/engine-job.ts';
import type { PreflightResult } from '../training/preflight/index.ts';
import type { PredictRequest } from './predict.ts';
import type { ScoreFileRequest } from './score-file.ts';
import type { ForgettingRequest, ForgettingResult } from './forgetting.ts';

/**
 * What the engine process (this folder's worker) does for main: the playground's predictions, the New-run form's
 * preview, a run scored on a file (the run page's Evaluate panel), the pre-flight of a run about to start, the
 * backend report (doctor, Settings), the exports that need tf.js and LoRA merges (lora-merge/). Main itself never loads tf.js.
 */
export type InferenceJob =
  | { type: 'predict'; request: PredictRequest }
  | { type: 'preview'; config: TrainConfig }
  | { type: 'evaluate'; request: ScoreFileRequest }
  | { type: 'preflight'; config: TrainConfig }
  | { type: 'doctor' }
  | { type: 'export'; job: EngineExportJob }
  /** Loads an adapter folder on its base as the playground would (a composition before it is saved). */
  | { type: 'check-adapter'; model: string; dir: string }
  | { type: 'import-adapter'; job: ImportAdapterJob }
  | { type: 'merge-adapters'; request: MergeFoldersRequest }
  /** Streams each token as a progress message (GenerationPiece) before the result. */
  | { type: 'generate'; request: GenerateRequest }
  | { type: 'forgetting'; request: ForgettingRequest };

/** A generate job's progress message: one column's text grew by `delta` (token `id`; -1 for held-back text). */
export interface GenerationPiece {
  column: string;
  id: number;
  delta: string;
}

/** The result each job type resolves to. */
export interface InferenceResults {
  predict: PlaygroundResult;
  preview: RunPreview;
  evaluate: EvaluationReport;
  preflight: PreflightResult;
  doctor: DoctorReport;
  'check-adapter': { ok: true };
  export: EngineExportResult;
  'import-adapter': ImportAdapterResult;
  'merge-adapters': MergeSummary;
  generate: GenerationResult;
  forgetting: ForgettingResult;
}
