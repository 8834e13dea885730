/**
 * The causal-LM training loss, in one place so that the training loop (session.ts) and the benches that time its
 * step (test/bench/bench-step.ts) compute the same thing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sparseSoftmaxCrossEntropy } from '../engine/ops/cross-entropy.ts';

/**
 * Next-token cross-entropy of `logits` [rows, seq, vocab]: each position but the last predicts the following input
 * id, `targets` [rows, seq - 1] (any shape of that many values), averaged over the positions `mask` (the same count
 * of 0/1 values) keeps. Padding is masked, so a padded batch has the loss of the unpadded one; a batch with nothing
 * kept gives 0 rather than NaN.
 */
export function nextTokenLoss(logits: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [rows, seq, vocab] = logits.shape as [number, number, number];
    // Every position takes part, the last of each row with class 0 and weight 0, so the logits are read in place
    // (a reshape) instead of sliced into a copy of the vocabulary's size; its loss and gradient are then zero.
    const pad = (t: tf.Tensor) =>
      t
        .reshape([rows, seq - 1])
        .pad([
          [0, 0],
          [0, 1],
        ])
        .reshape([rows * seq]);
    const target = pad(targets.cast('int32')) as tf.Tensor1D;
    const m = pad(mask.cast('float32')) as tf.Tensor1D;
    const nll = sparseSoftmaxCrossEntropy(logits.reshape([rows * seq, vocab]) as tf.Tensor2D, target);
    return nll.mul(m).sum().div(m.sum().maximum(1)) as tf.Scalar;
  });
}
