/**
 * One optimizer step as device work only: loss and gradients, the global gradient norm, clipping, AdamW. Nothing
 * is read back inside, so on a GPU it can be recorded and replayed (engine/webgpu/step-capture.ts); its output
 * [loss, norm before clipping] is read once afterwards. Clipping is the same as clipToNorm (gradients.ts), decided
 * on the device: scale = maxNorm / (norm + 1e-6) where norm > maxNorm, else 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamW } from './adamw.ts';
import { globalNorm } from './gradients.ts';

export interface DeviceStepArgs {
  loss: () => tf.Scalar;
  trainable: ReadonlyMap<string, tf.Variable>;
  optimizer: AdamW;
  /** optimizer.nextStep(lr) as a float32 [3] tensor. */
  scalars: tf.Tensor1D;
  /** Gradient clipping threshold; 0 or less: none. */
  maxNorm: number;
}

/** Runs one step; returns [loss, gradient norm] (float32 [2]) for the caller to read. */
export function deviceStep(a: DeviceStepArgs): tf.Tensor1D {
  const vars = [...a.trainable.values()];
  const { value, grads } = tf.variableGrads(a.loss, vars);
  try {
    return tf.tidy(() => {
      const named = new Map<string, tf.Tensor>();
      for (const [name, v] of a.trainable) {
        const g = grads[v.name];
        if (g) named.set(name, g);
      }
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
    tf.dispose([value, ...Object.values(grads)]);
  }
}
