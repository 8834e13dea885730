/**
 * One optimizer step as device work only: loss and gradients, the global gradient norm, clipping, AdamW. Nothing
 * is read back inside, so on a GPU it can be recorded and replayed (engine/webgpu/step-capture.ts); its output
 * [loss, norm before clipping] is read once afterwards. Clipping is the same as clipToNorm (gradients.ts), decided
 * on the device: scale = maxNorm / (norm + 1e-6) where norm > maxNorm, else 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamW } from './adamw.ts';
import { accumulate, globalNorm, namedGradients } from './gradients.ts';

export interface DeviceStepArgs {
  /** The loss, or one per micro-batch (gradient accumulation: gradients and losses averaged over them). */
  loss: (() => tf.Scalar) | readonly (() => tf.Scalar)[];
  trainable: ReadonlyMap<string, tf.Variable>;
  optimizer: AdamW;
  /** optimizer.nextStep(lr) as a float32 [3] tensor. */
  scalars: tf.Tensor1D;
  /** Gradient clipping threshold; 0 or less: none. */
  maxNorm: number;
}

/** Gradients of the trainable weights by name, summed over micro-batches (added in order, as the CPU loop does). */
function gradientsOf(
  losses: readonly (() => tf.Scalar)[],
  trainable: ReadonlyMap<string, tf.Variable>,
): { values: tf.Scalar[]; named: Map<string, tf.Tensor> } {
  const values: tf.Scalar[] = [];
  const named = new Map<string, tf.Tensor>();
  try {
    for (const loss of losses) {
      const { value, grads } = namedGradients(loss, trainable);
      values.push(value);
      accumulate(named, grads);
    }
  } catch (err) {
    // A later micro-batch failed (out of memory, say): nothing of the earlier ones is left behind.
    tf.dispose([...values, ...named.values()]);
    throw err;
  }
  return { values, named };
}

/** Runs one step; returns [loss, gradient norm] (float32 [2]) for the caller to read. */
export function deviceStep(a: DeviceStepArgs): tf.Tensor1D {
  const losses = typeof a.loss === 'function' ? [a.loss] : a.loss;
  const { values, named: summed } = gradientsOf(losses, a.trainable);
  try {
    return tf.tidy(() => {
      const n = losses.length;
      // Averaged over micro-batches; a single one is used as it is (the same values as the CPU loop's).
      const named = n > 1 ? new Map([...summed].map(([k, g]) => [k, g.div(n)])) : summed;
      const value = n > 1 ? values.reduce((acc, v) => acc.add(v)).div(n) : (values[0] as tf.Scalar);
      const norm = globalNorm(named);
      let clipped = named;
      if (a.maxNorm > 0) {
        const scale = tf.where(
          norm.greater(a.maxNorm),
          tf.scalar(a.maxNorm).div(norm.add(1e-6)),
          tf.scalar(1),
        );
        clipped = new Map([...named].map(([k, g]) => [k, g.mul(scale)]));
      }
      // A step whose loss or gradients are not finite changes nothing: the loop sees the loss and stops the run
      // as diverged with the weights of the step before, as on the CPU path (which checks before updating).
      const finite = tf.logicalAnd(tf.isFinite(value), tf.isFinite(norm)).cast('float32').reshape([1]);
      a.optimizer.update(a.trainable, clipped, a.scalars, finite);
      return tf.concat([value.reshape([1]), norm.reshape([1])]) as tf.Tensor1D;
    });
  } finally {
    tf.dispose([...values, ...summed.values()]);
  }
}
