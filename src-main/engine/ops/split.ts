/**
 * Splitting along the last axis (fused QKV projections, gate/up pairs) without slow kernels. With the faster wasm
 * Slice/SplitV kernels (engine/wasm-kernels.ts) tf.split copies only the parts; its gradient is a concat.
 */
import * as tf from '@tensorflow/tfjs';

/** Splits the last axis into parts of the given sizes (or `n` equal parts). */
export function splitLastDim(x: tf.Tensor, sizes: number | number[]): tf.Tensor[] {
  return tf.tidy(() => tf.split(x, sizes, x.rank - 1));
}

/** x³ as x·x·x: tf.pow is slow on wasm (ENGINE-NOTES.md), and its gradient needs a log. */
export function cube(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(x).mul(x));
}

/** GELU, tanh approximation (gelu_new / gelu_pytorch_tanh), written with {@link cube}. */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    x.mul(tf.tanh(x.add(cube(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)).mul(0.5),
  );
}

/** GELU, exact (erf) form (BERT's `gelu`). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5));
}
