/**
 * Σ x² of a whole tensor on webgpu, for gradient norms: one workgroup per row of the last axis, then a sum of the
 * row totals. tf.js reduces a tensor to one value in a single workgroup, ~0.2 ms for each of BERT-base's 768x3072
 * gradients (37 ms of a full fine-tuning step on an H200, test/bench/RESULTS.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ROW_WORKGROUP as WG, RowProgram, runProgram } from './programs.ts';

export function gpuSumOfSquares(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = x.rank > 0 ? (x.shape[x.rank - 1] as number) : 1;
    const rows = Math.max(1, x.size / Math.max(1, d));
    const body = `
      var s = 0.0;
      for (var i = tid; i < n; i += ${WG}) { let v = X[base + i]; s += v * v; }
      let total = rowSum(s);
      if (tid == 0 && n > 0) { result[row] = total; }`;
    const program = new RowProgram('studio_sum_of_squares', ['X'], rows, d, body, undefined, 1);
    return runProgram(program, [x.reshape([rows, d])]).sum() as tf.Scalar;
  });
}
