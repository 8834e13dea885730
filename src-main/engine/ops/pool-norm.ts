/**
 * maxPool and batchNorm with gradients that are right on every backend.
 * - wasm's MaxPoolGrad gives wrong gradients when inputs are negative (its running max starts at 0, so windows
 *   whose values are all negative route nothing); the gradient does not change when a constant is added to the
 *   input, so it is computed on `x - min(x) + 1`, which is positive everywhere.
 * - tf.batchNorm's gradient throws without scale and offset (a tfjs-core bug); this one is composed from
 *   elementwise ops, whose gradients exist everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';

type Pad = 'valid' | 'same';

/** 2-D max pooling (NHWC) with a correct gradient for negative inputs on wasm. */
export function maxPool(
  x: tf.Tensor4D,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: Pad,
): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const value = tf.maxPool(input, filterSize, strides, pad);
    save([input]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx] = saved as [tf.Tensor4D];
        const shifted = sx.sub(sx.min()).add(1) as tf.Tensor4D;
        const out = tf.maxPool(shifted, filterSize, strides, pad);
        const [fh, fw] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
        const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
        return tf.engine().runKernel(
          'MaxPoolGrad',
          { dy, input: shifted, output: out },
          {
            filterSize: [fh, fw],
            strides: [sh, sw],
            pad,
          },
        ) as tf.Tensor4D;
      },
    };
  });
  return f(x) as tf.Tensor4D;
}

/** (x - mean) / sqrt(variance + eps) · scale + offset; scale and offset optional, gradients always defined. */
export function batchNorm(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  offset?: tf.Tensor | null,
  scale?: tf.Tensor | null,
  eps = 1e-3,
): tf.Tensor {
  return tf.tidy(() => {
    let y = x.sub(mean).mul(variance.add(eps).rsqrt());
    if (scale) y = y.mul(scale);
    if (offset) y = y.add(offset);
    return y;
  });
}
