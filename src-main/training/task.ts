import type * as tf from '@tensorflow/tfjs-core';
import type { GpuForwards } from './gpu-forwards.ts';
import type { TrainPadding } from './length-buckets.ts';

/**
 * What the training loop needs from a model + adapter + dataset, and nothing more: the loop stays independent of
 * architectures and methods (one loop for every row of the method x architecture matrix).
 */
export interface TrainTask<B> {
  /** The weights this run trains, by name (adapter weights and the task head). */
  readonly trainable: ReadonlyMap<string, tf.Variable>;
  /** Number of training examples; the loop shuffles indices and asks for batches by index. */
  readonly trainSize: number;
  /** Builds a batch from example indices (owns its tensors until `disposeBatch`). */
  makeBatch(indices: readonly number[], split: 'train' | 'validation'): B;
  disposeBatch(batch: B): void;
  /**
   * Mean loss of a batch as a scalar; `step` seeds dropout so a resumed run draws the same masks. `seed`, when
   * given, is that seed as an int32 [1] tensor (dropoutSeed(step)), the form a captured GPU step takes as input.
   */
  loss(batch: B, opts: { training: boolean; step: number; seed?: tf.Tensor }): tf.Scalar;
  /** The dropout seed of a step (with stepInputs: what a captured GPU step needs; without, steps run eagerly). */
  dropoutSeed?(step: number): number;
  /** The batch's tensors in a fixed order: what changes from one step to the next (captured GPU steps). */
  stepInputs?(batch: B): tf.Tensor[];
  /** How training batches are padded where that is not simply to their longest row (webgpu: length-buckets.ts). */
  readonly padding?: TrainPadding;
  /** Tokens (or images) in a batch, for throughput. */
  batchUnits(batch: B): number;
  /**
   * Validation metrics of the current weights (loss, accuracy, macroF1 or perplexity); `onProgress` hears the
   * examples done so far after each batch (a large validation split takes a while). With `forwards` (webgpu, the
   * training loop's captured steps on) its batches' forwards are captured and replayed.
   */
  evaluate(
    onProgress?: (done: number, total: number) => void,
    forwards?: GpuForwards,
  ): Promise<Record<string, number>>;
  /** Whether evaluation's forwards may be captured (what a capture holds on the GPU stays small). */
  readonly captureEvaluation?: boolean;
}

/** Lower is better for these metrics; higher for everything else (accuracy, macroF1). */
export const isLowerBetter = (metric: string): boolean => /loss|perplexity/i.test(metric);
