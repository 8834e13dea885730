import * as tf from '@tensorflow/tfjs-core';
import { leanVariableGrads } from '../engine/lean-gradients.ts';
import { gpuSumOfSquares } from '../engine/webgpu/sum-of-squares.ts';

/**
 * Global L2 norm of a set of gradients (a scalar tensor). The squares are added one by one: tf.addN binds one
 * buffer per input, and WebGPU's default limit is 8 per shader, so addN of more than 7 tensors fails there. On
 * webgpu our kernel sums the squares of seven gradients per dispatch (tf.js reduces a whole tensor in a single
 * workgroup).
 */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    if (tf.getBackend() === 'webgpu') return gpuSumOfSquares([...grads.values()]).sqrt() as tf.Scalar;
    const squares = [...grads.values()].map((g) => g.square().sum());
    const total = squares.reduce((acc, s) => acc.add(s), tf.scalar(0));
    return total.sqrt() as tf.Scalar;
  });
}

/**
 * Scales gradients so their global norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_), given the norm
 * ({@link globalNorm}) already read back: the training loop reads it in the same asynchronous transfer as the loss,
 * one device sync per step. Returns `grads` itself when no clipping is needed;
 * otherwise new, scaled tensors, and the inputs are disposed.
 */
export function clipToNorm(
  grads: Map<string, tf.Tensor>,
  norm: number,
  maxNorm: number,
): Map<string, tf.Tensor> {
  if (!(maxNorm > 0) || norm <= maxNorm || !Number.isFinite(norm)) return grads;
  return scaleAll(grads, maxNorm / (norm + 1e-6));
}

/** Each gradient times `factor`, as new tensors; the inputs are disposed. */
export function scaleAll(grads: Map<string, tf.Tensor>, factor: number): Map<string, tf.Tensor> {
  const scaled = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    scaled.set(
      k,
      tf.tidy(() => g.mul(factor)),
    );
    g.dispose();
  }
  return scaled;
}

/** A loss and its gradients by trainable weight name (weights the loss does not reach are left out). */
export function namedGradients(
  loss: () => tf.Scalar,
  trainable: ReadonlyMap<string, tf.Variable>,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { value, grads } =
    process.env.STUDIO_LEAN_BACKWARD === '0'
      ? tf.variableGrads(loss, [...trainable.values()])
      : leanVariableGrads(loss, [...trainable.values()]);
  const named = new Map<string, tf.Tensor>();
  for (const [name, v] of trainable) {
    const g = grads[v.name];
    if (g) named.set(name, g);
  }
  return { value, grads: named };
}

/** Adds `more` into `into` (gradient accumulation), disposing the replaced and the added tensors. */
export function accumulate(into: Map<string, tf.Tensor>, more: ReadonlyMap<string, tf.Tensor>): void {
  for (const [k, g] of more) {
    const prev = into.get(k);
    if (prev) {
      into.set(
        k,
        tf.tidy(() => prev.add(g)),
      );
      prev.dispose();
      g.dispose();
    } else into.set(k, g);
  }
}
