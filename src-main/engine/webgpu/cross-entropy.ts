/**
 * Softmax cross-entropy against class ids as two kernels (webgpu): the log-sum-exp of each row forward, and
 * softmax minus the one-hot, times the row's dy, backward. A language model's logits are [tokens, vocabulary]
 * (GPT-2 medium's 4 x 256 tokens: 206 MB; Llama's 128K vocabulary: 525 MB), and the composed form holds several
 * copies of that size at once (the exponentials, the log-softmax, a float one-hot, their products); these hold
 * none besides the gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ElementwiseProgram, ROW_WORKGROUP as WG, RowProgram, runProgram } from './programs.ts';

/** log Σ exp(x) of each row of `logits` [rows, d], as [rows, 1]: the row's maximum first, then Σ exp(x - max). */
export function rowLogSumExp(logits: tf.Tensor2D): tf.Tensor2D {
  const [rows, d] = logits.shape;
  const body = `
    var m = -3.402823e38;
    for (var i = tid; i < n; i += ${WG}) { m = max(m, X[base + i]); }
    let top = rowMax(m);
    var s = 0.0;
    for (var i = tid; i < n; i += ${WG}) { s += exp(X[base + i] - top); }
    let total = rowSum(s);
    if (tid == 0 && n > 0) { result[row] = top + log(total); }
  `;
  return runProgram(new RowProgram('studio_row_logsumexp', ['X'], rows, d, body, undefined, 1), [
    logits,
  ]) as tf.Tensor2D;
}

class CrossEntropyBackward extends ElementwiseProgram {
  constructor(size: number) {
    super(
      'studio_sparse_xent_backward',
      ['X', 'LSE', 'T', 'DY'],
      size,
      `let row = index / uniforms.cols;
       let hit = select(0.0, 1.0, index - row * uniforms.cols == T[row]);
       result[index] = DY[row] * (exp(X[index] - LSE[row]) - hit);`,
      'cols : i32,',
    );
  }
}

/**
 * d loss / d logits for `logits` [rows, d] whose rows' log-sum-exp is `lse` [rows, 1], class ids `targets` (int32
 * [rows]) and the loss's gradient per row `dy` [rows]: dy · (softmax(x) - onehot(target)).
 */
export function sparseCrossEntropyBackward(
  logits: tf.Tensor2D,
  lse: tf.Tensor,
  targets: tf.Tensor,
  dy: tf.Tensor,
): tf.Tensor2D {
  const [rows, d] = logits.shape;
  return tf.tidy(
    () =>
      runProgram(
        new CrossEntropyBackward(rows * d),
        [logits.reshape([rows * d]), lse.reshape([rows]), targets.reshape([rows]), dy.reshape([rows])],
        [{ type: 'int32', data: [d] }],
      ).reshape([rows, d]) as tf.Tensor2D,
  );
}
