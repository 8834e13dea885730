/**
 * VeRA's math (Kopiczko et al. 2024, as PEFT 0.21 computes it), in tf layout: shared frozen projections
 * A [max in, r] and B [r, max out]; a target with `in` inputs and `out` outputs uses A[:in, :] and B[:, :out]
 * (PEFT sizes the shared pair for the largest target and slices it) and adds λb ⊙ ((λd ⊙ (x·A)) · B).
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul } from '../../engine/ops/index.ts';

export interface VeraShared {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
}

const slices = (p: VeraShared, inF: number, outF: number): [tf.Tensor2D, tf.Tensor2D] => {
  const r = p.a.shape[1];
  return [p.a.slice([0, 0], [inF, r]), p.b.slice([0, 0], [r, outF])];
};

/** What VeRA adds to the base output for input x [rows, in]. */
export function veraDelta(
  x: tf.Tensor2D,
  p: VeraShared,
  lambdaD: tf.Tensor1D,
  lambdaB: tf.Tensor1D,
): tf.Tensor2D {
  const [a, b] = slices(p, x.shape[1], lambdaB.shape[0]);
  return matMul(matMul(x, a).mul(lambdaD) as tf.Tensor2D, b).mul(lambdaB) as tf.Tensor2D;
}

/** The update in the base weight's layout [in, out]: (A ⊙ λd) · (B ⊙ λb). */
export function veraWeightDelta(
  p: VeraShared,
  inF: number,
  lambdaD: tf.Tensor1D,
  lambdaB: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [a, b] = slices(p, inF, lambdaB.shape[0]);
    return tf.matMul(a.mul(lambdaD.reshape([1, -1])), b.mul(lambdaB.reshape([1, -1])));
  });
}
