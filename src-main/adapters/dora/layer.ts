/**
 * DoRA's math (Liu et al. 2024, as PEFT 0.21 computes it), in our [in, out] weight layout:
 *   W' = m ⊙ (W + s·A·B) / ‖W + s·A·B‖_c, the norm per output feature (a column here, a row of torch's [out, in]).
 * The forward pass adds (m/‖·‖ − 1)·(x·W) + (m/‖·‖)·s·(x·A·B) to the base output, so the bias is not rescaled;
 * the norm is treated as a constant in the backward pass (the paper's §4.3, as PEFT does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul } from '../../engine/ops/index.ts';

/** The identity forward, a zero gradient: PEFT's `weight_norm.detach()`. */
const detach = tf.customGrad((...inputs) => ({
  value: (inputs[0] as tf.Tensor).clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** ‖W + s·A·B‖ per output feature: [out]. */
export function columnNorm(w: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor1D {
  return tf.tidy(() => tf.norm(w.add(matMul(a, b).mul(scale)), 'euclidean', 0) as tf.Tensor1D);
}

/**
 * What DoRA adds to the base output for input x (already through the branch's dropout, as PEFT passes it):
 * (m/‖·‖ − 1)·(x·W) + (m/‖·‖)·s·(x·A·B).
 */
export function doraDelta(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  magnitude: tf.Tensor1D,
  scale: number,
): tf.Tensor2D {
  const factor = magnitude.div(detach(columnNorm(w, a, b, scale)) as tf.Tensor1D).reshape([1, -1]);
  const frozen = matMul(x, w);
  const lora = matMul(matMul(x, a), b).mul(scale);
  return factor.sub(1).mul(frozen).add(factor.mul(lora)) as tf.Tensor2D;
}

/** The merge factor m/‖W + s·A·B‖ as a [1, out] row, and the update s·A·B, for W' = factor ⊙ (W + s·A·B). */
export function doraMergeTerms(
  w: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  magnitude: tf.Tensor1D,
  scale: number,
): { factor: tf.Tensor2D; delta: tf.Tensor2D } {
  return tf.tidy(() => ({
    factor: magnitude.div(columnNorm(w, a, b, scale)).reshape([1, -1]) as tf.Tensor2D,
    delta: tf.matMul(a, b).mul(scale) as tf.Tensor2D,
  }));
}
