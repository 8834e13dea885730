/**
 * conv2d (NHWC, square stride, symmetric padding) with a gradient that works on wasm, which lacks
 * Conv2DBackpropFilter. dX comes from conv2dTranspose; dW from a forward conv2d over the padded input with batch
 * and channels swapped, the output gradient as the filter and dilation = stride (ENGINE-NOTES.md).
 */
import * as tf from '@tensorflow/tfjs-core';

function padSpatial(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  return pad === 0
    ? x
    : tf.pad(x, [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]);
}

export function conv2dWithGrad(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xIn, wIn]);
    const value = tf.conv2d(padSpatial(xIn, pad), wIn, stride, 'valid');
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
      const [kh, kw, inC, outC] = sw.shape;
      const xp = padSpatial(sx, pad);
      // dX over the padded input, then cropped back to the real input.
      const dxp = tf.conv2dTranspose(dy as tf.Tensor4D, sw, xp.shape, stride, 'valid');
      const [, H, W] = sx.shape;
      const dx = pad === 0 ? dxp : dxp.slice([0, pad, pad, 0], [sx.shape[0], H, W, inC]);
      // dW[kh, kw, in, out] = sum_b,i,j xp[b, i*s + kh, j*s + kw, in] * dy[b, i, j, out]
      const xT = xp.transpose([3, 1, 2, 0]) as tf.Tensor4D; // [in, Hp, Wp, B]
      const dyT = (dy as tf.Tensor4D).transpose([1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, B, out]
      const full = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [stride, stride]); // [in, >=kh, >=kw, out]
      const dw = full.slice([0, 0, 0, 0], [inC, kh, kw, outC]).transpose([1, 2, 0, 3]);
      return [dx, dw];
    };
    return { value, gradFunc };
  });
  return f(x, w) as tf.Tensor4D;
}
