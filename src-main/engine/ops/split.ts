/**
 * Splitting along the last axis (fused QKV projections, gate/up pairs) without slow kernels. With the faster wasm
 * Slice/SplitV kernels (engine/wasm-kernels.ts) tf.split copies only the parts; its gradient is a concat.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Splits the last axis into parts of the given sizes (or `n` equal parts). */
export function splitLastDim(x: tf.Tensor, sizes: number | number[]): tf.Tensor[] {
  return tf.tidy(() => tf.split(x, sizes, x.rank - 1));
}

/** x³ as x·x·x: tf.pow is slow on wasm (ENGINE-NOTES.md), and its gradient needs a log. */
export function cube(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(x).mul(x));
}
