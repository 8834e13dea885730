import type { DoctorReport } from '../../src-shared/domain.ts';
import type { EvaluationReport } from '../../src-shared/evaluate.ts';
import type { PlaygroundResult, RunPreview } from '../../src-shared/library.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
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
 * backend report (doctor, Settings) and the exports that need tf.js. Main itself never loads tf.js.
 */
export type InferenceJob =
  | { type: 'predict'; request: PredictRequest }
  | { type: 'preview'; config: TrainConfig }
  | { type: 'evaluate'; request: ScoreFileRequest }
  | { type: 'preflight'; config: TrainConfig }
  | { type: 'doctor' }
  | { type: 'export'; job: EngineExportJob }
  | { type: 'import-adapter'; job: ImportAdapterJob }
  | { type: 'forgetting'; request: ForgettingRequest };

/** The result each job type resolves to. */
export interface InferenceResults {
  predict: PlaygroundResult;
  preview: RunPreview;
  evaluate: EvaluationReport;
  preflight: PreflightResult;
  doctor: DoctorReport;
  export: EngineExportResult;
  'import-adapter': ImportAdapterResult;
  forgetting: ForgettingResult;
}
