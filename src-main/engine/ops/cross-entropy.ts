/**
 * Softmax cross-entropy of logits against class ids (tf.js only has it against one-hot labels): -log softmax(x)[t]
 * per row, as log Σ exp(x) - x[t]. Its gradient is dy · (softmax(x) - onehot(t)). It saves only the logits (the
 * model's own output, not a copy) and one value per row, so a language model's loss holds no tensor of the
 * vocabulary's size besides the logits and, in the backward pass, their gradient (engine/webgpu/cross-entropy.ts
 * on webgpu; composed from tf ops elsewhere).
 */
import * as tf from '@tensorflow/tfjs-core';
import { rowLogSumExp, sparseCrossEntropyBackward } from '../webgpu/cross-entropy.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** The logit of each row's class: x[r, t[r]] (a gather of `rows` values from the flat logits). */
function picked(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [rows, d] = logits.shape;
  return tf.tidy(() => {
    const flat = tf.range(0, rows * d, d, 'int32').add(targets);
    return tf.gather(logits.reshape([rows * d]), flat) as tf.Tensor1D;
  });
}

/** The gradient from tf ops, each logits-sized temporary freed once used (a tidy would hold them all to its end). */
function composedBackward(x: tf.Tensor2D, lse: tf.Tensor2D, t: tf.Tensor1D, dy: tf.Tensor): tf.Tensor2D {
  const shifted = x.sub(lse);
  const p = tf.exp(shifted);
  shifted.dispose();
  const hot = tf.oneHot(t, x.shape[1]);
  const diff = p.sub(hot);
  tf.dispose([p, hot]);
  const dyCol = dy.reshape([-1, 1]);
  const dx = diff.mul(dyCol) as tf.Tensor2D;
  tf.dispose([diff, dyCol]);
  return dx;
}

/**
 * -log softmax(logits)[targets] of each row: `logits` [rows, classes] float32, `targets` int32 [rows] in
 * [0, classes). The gradient flows to the logits only.
 */
export function sparseSoftmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const onGpu = tf.getBackend() === 'webgpu';
  const f = tf.customGrad((...args: Args) => {
    const [x, t, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const lse = onGpu ? rowLogSumExp(x) : (tf.logSumExp(x, 1, true) as tf.Tensor2D);
    save([x, t, lse]);
    return {
      value: lse.reshape([-1]).sub(picked(x, t)) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ts, l] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
        const dx = onGpu ? sparseCrossEntropyBackward(xs, l, ts, dy) : composedBackward(xs, l, ts, dy);
        return [dx, tf.zerosLike(ts).cast('float32')];
      },
    };
  });
  return f(logits, targets);
}
