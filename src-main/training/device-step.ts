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
  /**
   * optimizer.nextStep(lr) as a float32 [3] tensor; with `scaledLoss`, [lr, c1, c2, loss scale]: an input like the
   * others, so a captured step replays with each step's scale (loss-scale.ts).
   */
  scalars: tf.Tensor1D;
  scaledLoss?: boolean;
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

/** Runs one step; returns [loss, gradient norm] (float32 [2], both unscaled) for the caller to read. */
export function deviceStep(a: DeviceStepArgs): tf.Tensor1D {
  const given = typeof a.loss === 'function' ? [a.loss] : a.loss;
  const lossScale = a.scaledLoss ? tf.tidy(() => a.scalars.slice(3, 1).reshape([]) as tf.Scalar) : null;
  const losses = lossScale ? given.map((f) => () => f().mul(lossScale) as tf.Scalar) : given;
  let result: tf.Tensor1D;
  try {
    const { values, named: summed } = gradientsOf(losses, a.trainable);
    try {
      result = tf.tidy(() => {
        const n = losses.length;
        // Averaged over micro-batches; a single one is used as it is (the same values as the CPU loop's).
        const named = n > 1 ? new Map([...summed].map(([k, g]) => [k, g.div(n)])) : summed;
        const scaledValue = n > 1 ? values.reduce((acc, v) => acc.add(v)).div(n) : (values[0] as tf.Scalar);
        const scaledNorm = globalNorm(named);
        const value = lossScale ? scaledValue.div(lossScale) : scaledValue;
        const norm = lossScale ? scaledNorm.div(lossScale) : scaledNorm;
        // Clipping and unscaling are one factor per step, applied to each gradient once.
        let factor: tf.Tensor | null = lossScale ? tf.scalar(1).div(lossScale) : null;
        if (a.maxNorm > 0) {
          const clip = tf.where(
            norm.greater(a.maxNorm),
            tf.scalar(a.maxNorm).div(norm.add(1e-6)),
            tf.scalar(1),
          );
          factor = factor ? factor.mul(clip) : clip;
        }
        const clipped = factor ? new Map([...named].map(([k, g]) => [k, g.mul(factor)])) : named;
        // A step whose loss or gradients are not finite changes nothing. In fp32 the loop sees the loss and stops
        // the run as diverged with the weights of the step before, as on the CPU path (which checks before
        // updating); with a loss scale, gradients that overflowed f16 skip the step (loss-scale.ts).
        const finite = tf.logicalAnd(tf.isFinite(value), tf.isFinite(norm)).cast('float32').reshape([1]);
        const scalars = lossScale ? (a.scalars.slice(0, 3) as tf.Tensor1D) : a.scalars;
        a.optimizer.update(a.trainable, clipped, scalars, finite);
        return tf.concat([value.reshape([1]), norm.reshape([1])]) as tf.Tensor1D;
      });
    } finally {
      tf.dispose([...values, ...summed.values()]);
    }
  } finally {
    lossScale?.dispose();
  }
  return result;
}
