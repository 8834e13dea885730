/**
 * Layer norm over the last axis. Composed from tf ops on the CPU backends; on webgpu one kernel forward and one
 * backward (engine/webgpu/layer-norm.ts), with the same arithmetic. Frozen gamma/beta (adapter training) are
 * closed over, so their gradients are never computed.
 */
import * as tf from '@tensorflow/tfjs';
import { layerNormBackward, layerNormForward } from '../webgpu/layer-norm.ts';
import { isFrozen } from './matmul.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** The tf.js form: (x - mean) / sqrt(var + eps) · gamma + beta. */
function composedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(eps).sqrt()).mul(gamma).add(beta);
  });
}

/** Sums over every axis but the last: a per-feature gradient from per-element ones. */
const sumRows = (t: tf.Tensor): tf.Tensor => t.reshape([-1, t.shape[t.rank - 1] as number]).sum(0);

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  if (tf.getBackend() !== 'webgpu' || x.dtype !== 'float32') return composedLayerNorm(x, gamma, beta, eps);
  if (isFrozen(gamma) && isFrozen(beta)) {
    const f = tf.customGrad((...args: Args) => {
      const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([xs]);
      return {
        value: layerNormForward(xs, gamma, beta, eps),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          layerNormBackward(saved[0] as tf.Tensor, gamma, dy, eps),
      };
    });
    return f(x);
  }
  const f = tf.customGrad((...args: Args) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xs, g]);
    return {
      value: layerNormForward(xs, g, b, eps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg] = saved as [tf.Tensor, tf.Tensor];
        const normed = layerNormForward(sx, null, null, eps);
        return [layerNormBackward(sx, sg, dy, eps), sumRows(dy.mul(normed)), sumRows(dy)];
      },
    };
  });
  return f(x, gamma, beta);
}
