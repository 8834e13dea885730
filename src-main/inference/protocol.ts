import type { PlaygroundResult } from '../../src-shared/library.ts';
import type { PredictRequest } from './predict.ts';

/** Main -> inference process. */
export interface InferenceRequest {
  id: number;
  request: PredictRequest;
}

/** Inference process -> main: the result, or a one-line error for the user. */
export type InferenceReply = { id: number; result: PlaygroundResult } | { id: number; error: string };
