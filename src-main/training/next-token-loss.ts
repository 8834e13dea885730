/**
 * The causal-LM training loss, in one place so that the training loop (session.ts) and the benches that time its
 * step (test/bench/bench-step.ts) compute the same thing.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Next-token cross-entropy of `logits` [rows, seq, vocab]: each position but the last predicts the following input
 * id, `targets` [rows, seq - 1] (any shape of that many values), averaged over the positions `mask` (the same count
 * of 0/1 values) keeps. Padding is masked, so a padded batch has the loss of the unpadded one; a batch with nothing
 * kept gives 0 rather than NaN.
 */
export function nextTokenLoss(logits: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [rows, seq, vocab] = logits.shape as [number, number, number];
    const pred = logits.slice([0, 0, 0], [rows, seq - 1, vocab]).reshape([rows * (seq - 1), vocab]);
    const target = tf.oneHot(targets.reshape([-1]) as tf.Tensor1D, vocab);
    const m = mask.reshape([-1]) as tf.Tensor1D;
    const nll = tf.losses.softmaxCrossEntropy(
      target,
      pred,
      undefined,
      undefined,
      tf.Reduction.NONE,
    ) as tf.Tensor1D;
    return nll.mul(m).sum().div(m.sum().maximum(1)) as tf.Scalar;
  });
}
