/**
 * Depthwise conv2d (NHWC, filter [kh, kw, C, M]) with a gradient that works on wasm, which lacks
 * DepthwiseConv2dNativeBackpropInput/Filter. Both gradients are forward depthwise convolutions:
 * - dX: the output gradient, dilated by the stride (zeros between rows/columns) and padded by k - 1, convolved
 *   with the spatially flipped filter, summed over the multiplier M.
 * - dW: channels and batch swap roles: the padded input as one image of C·B channels, the output gradient as a
 *   [oh, ow, C·B, M] filter with dilation = stride; summing over B gives [kh, kw, C, M].
 */
import * as tf from '@tensorflow/tfjs-core';

const pad4 = (x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D =>
  top + bottom + left + right === 0
    ? x
    : tf.pad(x, [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]);

/** Inserts s - 1 zero rows/columns between the rows/columns of x (the transpose of a strided read). */
function dilate(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  const [b, h, w, c] = x.shape;
  const rows = x.reshape([b * h, 1, w, c]).pad([
    [0, 0],
    [0, s - 1],
    [0, 0],
    [0, 0],
  ]);
  const hs = rows.reshape([b, h * s, w, c]).slice([0, 0, 0, 0], [b, (h - 1) * s + 1, w, c]);
  const hs2 = hs.reshape([b * ((h - 1) * s + 1) * w, 1, c]).pad([
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  const H = (h - 1) * s + 1;
  return hs2.reshape([b, H, w * s, c]).slice([0, 0, 0, 0], [b, H, (w - 1) * s + 1, c]) as tf.Tensor4D;
}

/** Depthwise conv2d with square stride and symmetric padding `pad`, differentiable on every backend. */
export function depthwiseConv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xIn, wIn]);
    const value = tf.depthwiseConv2d(pad4(xIn, pad, pad, pad, pad), wIn, stride, 'valid');
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      const [B, H, W, C] = sx.shape;
      const [kh, kw, , M] = sw.shape;
      const [, oh, ow] = g.shape;
      const Hp = H + 2 * pad;
      const Wp = W + 2 * pad;
      // dX over the padded input: full correlation of the dilated dy with the flipped filter.
      const gd = dilate(g, stride); // [B, (oh-1)s+1, (ow-1)s+1, C*M]
      const extraH = Hp - ((oh - 1) * stride + kh); // rows the strided forward never read
      const extraW = Wp - ((ow - 1) * stride + kw);
      const gp = pad4(gd, kh - 1, kh - 1 + extraH, kw - 1, kw - 1 + extraW);
      const wf = tf.reverse(sw, [0, 1]).reshape([kh, kw, C * M, 1]) as tf.Tensor4D;
      const dxpM = tf.depthwiseConv2d(gp, wf, 1, 'valid'); // [B, Hp, Wp, C*M]
      const dxp = M === 1 ? dxpM : dxpM.reshape([B, Hp, Wp, C, M]).sum(4);
      const dx = pad === 0 ? dxp : dxp.slice([0, pad, pad, 0], [B, H, W, C]);
      // dW: depthwise conv of the padded input (C·B channels) with dy as filter, dilation = stride.
      const xp = pad4(sx, pad, pad, pad, pad);
      const xT = xp.transpose([1, 2, 3, 0]).reshape([1, Hp, Wp, C * B]) as tf.Tensor4D;
      const gT = g
        .reshape([B, oh * ow, C, M])
        .transpose([1, 2, 0, 3])
        .reshape([oh, ow, C * B, M]) as tf.Tensor4D;
      const full = tf.depthwiseConv2d(xT, gT, 1, 'valid', 'NHWC', [stride, stride]); // [1, >=kh, >=kw, C*B*M]
      const [, fh, fw] = full.shape;
      const dw = full.reshape([fh, fw, C, B, M]).slice([0, 0, 0, 0, 0], [kh, kw, C, B, M]).sum(3);
      return [dx, dw];
    };
    return { value, gradFunc };
  });
  return f(x, w) as tf.Tensor4D;
}
