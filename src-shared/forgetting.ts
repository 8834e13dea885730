/**
 * Forgetting on any run: a reference set scored by the base model before training and by what the run left of
 * the base after it (issue #19). The train config's optional `forgetting` block, `studio forgetting`, the run
 * page and Compare all read these shapes.
 */
export { DEFAULT_FORGETTING_EXAMPLES, forgettingSpecSchema } from './train-config.ts';
export type { ForgettingSpec } from './train-config.ts';

/** The base model's own language-model head on the reference text: masked (BERT-like) or next-token (GPT-like). */
export interface LmForgetting {
  objective: 'masked-lm' | 'causal-lm';
  /** Tokens scored (masked positions, or next-token positions). */
  tokens: number;
  lossBefore: number;
  lossAfter: number;
  perplexityBefore: number;
  perplexityAfter: number;
  /** Share of scored tokens whose top-1 prediction after training equals the base model's. */
  agreement: number;
}

/**
 * A labelled reference: a linear probe for its labels is fitted on the base model's features, then applied to the
 * features after training (the probe's predictions are "the base model's predictions" on that task).
 */
export interface ClassificationForgetting {
  labels: string[];
  lossBefore: number;
  lossAfter: number;
  accuracyBefore: number;
  accuracyAfter: number;
  /** Share of reference rows whose predicted label after training equals the base model's. */
  agreement: number;
}

/** What a reference set says about one run. */
export interface ForgettingScores {
  /** Reference examples scored (texts or chunks of the corpus). */
  examples: number;
  /** Base weights the run saved with different values (0: the base is untouched, as with every adapter). */
  baseWeightsChanged: number;
  /** Base weight tensors in all. */
  baseWeights: number;
  lm: LmForgetting | null;
  classification: ClassificationForgetting | null;
}

/** A stored forgetting report: the scores, with what was scored and when. */
export interface ForgettingReport extends ForgettingScores {
  runId: number;
  /** The reference as the user named it (a path or `sample:<name>`). */
  reference: string;
  /** sha256 of the reference's content. */
  referenceHash: string;
  /** ISO time of scoring. */
  scoredAt: string;
}

/** Change after - before (negative loss change = better on the reference than the base was). */
export const lossChange = (s: { lossBefore: number; lossAfter: number }): number =>
  s.lossAfter - s.lossBefore;
