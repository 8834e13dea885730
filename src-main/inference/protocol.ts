import type { TrainConfig } from '../../src-shared/train-config.ts';
import type { PredictRequest } from './predict.ts';
import type { ScoreFileRequest } from './score-file.ts';

/**
 * What the inference process does: the playground's predictions, the New-run form's preview, and a run scored
 * on a file (the run page's Evaluate panel).
 */
export type InferenceJob =
  | { type: 'predict'; request: PredictRequest }
  | { type: 'preview'; config: TrainConfig }
  | { type: 'evaluate'; request: ScoreFileRequest };

/** Main -> inference process. */
export interface InferenceRequest {
  id: number;
  job: InferenceJob;
}

/** Inference process -> main: the result, or a one-line error for the user. */
export type InferenceReply = { id: number; result: unknown } | { id: number; error: string };
