/**
 * Layer norm and RMS norm over the last axis. Composed from tf ops on the CPU backends; on webgpu one kernel
 * forward and one backward each (engine/webgpu/norms.ts), with the same arithmetic. Frozen scales and biases
 * (adapter training) are closed over, so their gradients are never computed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normBackward, normForward } from '../webgpu/norms.ts';
import type { NormKind } from '../webgpu/norms.ts';
import { isFrozen } from './matmul.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** Sums over every axis but the last: a per-feature gradient from per-element ones. */
const sumRows = (t: tf.Tensor): tf.Tensor => t.reshape([-1, t.shape[t.rank - 1] as number]).sum(0);

/** The fused norm with its gradient: x only when gamma (and beta) are frozen, else x, gamma (and beta). */
function fusedNorm(
  kind: NormKind,
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor | null,
  eps: number,
): tf.Tensor {
  if (isFrozen(gamma) && (!beta || isFrozen(beta))) {
    const f = tf.customGrad((...args: Args) => {
      const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([xs]);
      return {
        value: normForward(kind, xs, gamma, beta, eps),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          normBackward(kind, saved[0] as tf.Tensor, gamma, dy, eps),
      };
    });
    return f(x);
  }
  const f = tf.customGrad((...args: Args) => {
    const [xs, g, ...rest] = args as tf.Tensor[];
    const save = rest.pop() as unknown as tf.GradSaveFunc;
    const b = rest[0] ?? null;
    save([xs as tf.Tensor, g as tf.Tensor]);
    return {
      value: normForward(kind, xs as tf.Tensor, g as tf.Tensor, b, eps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg] = saved as [tf.Tensor, tf.Tensor];
        const normed = normForward(kind, sx, null, null, eps);
        const grads = [normBackward(kind, sx, sg, dy, eps), sumRows(dy.mul(normed))];
        return b ? [...grads, sumRows(dy)] : grads;
      },
    };
  });
  return beta ? f(x, gamma, beta) : f(x, gamma);
}

const onGpu = (x: tf.Tensor) => tf.getBackend() === 'webgpu' && x.dtype === 'float32';

/** (x - mean) / sqrt(var + eps) · gamma + beta. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  if (onGpu(x)) return fusedNorm('layer', x, gamma, beta, eps);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(eps).sqrt()).mul(gamma).add(beta);
  });
}

/** x / sqrt(mean(x²) + eps) · weight (Llama's RMSNorm). */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  if (onGpu(x)) return fusedNorm('rms', x, weight, null, eps);
  return tf.tidy(() => x.mul(x.square().mean(-1, true).add(eps).rsqrt()).mul(weight));
}
