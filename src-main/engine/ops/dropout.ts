/**
 * Inverted dropout from a seeded generator of our own. tf.randomUniform draws through seedrandom's alea in JS
 * (~20 ms per million values here) and the mask then took three more full passes (greaterEqual, cast, div): with
 * BERT's attention-probability dropout that was ~9 M draws and ~0.4 s of a BERT-small step on wasm. Here one JS
 * pass writes the final multiplier (0 or 1/(1 - rate)) with an integer comparison, and the graph sees one multiply.
 * The generator is ours, so the masks are the same on every backend and a step recomputed after resume (same
 * seed) draws the same mask (ENGINE-NOTES.md: tf.js random ops cannot snapshot their state).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gpuApplyDropout, gpuDropoutMask } from '../webgpu/dropout-mask.ts';

/**
 * [0 or 1/(1 - rate)] multipliers of the given shape; element i is dropped when the generator's i-th 32-bit draw
 * is below rate · 2³². The generator is mulberry32 (a 32-bit state; ample for masks, not for cryptography).
 */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const keep = 1 / (1 - rate);
  const threshold = Math.floor(rate * 2 ** 32);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (t ^ (t >>> 14)) >>> 0 < threshold ? 0 : keep;
  }
  return tf.tensor(values, shape, 'float32');
}

/** The seed of dropout call `call` in a forward pass seeded with `base`: (base·1000003 + call) mod 2³². */
export const callSeed = (base: number, call: number): number => (base * 1000003 + call) >>> 0;

/**
 * x with each element zeroed with probability `rate` and the rest scaled by 1/(1 - rate); x itself when rate is
 * 0. The mask is that of seed callSeed(base, call). `base` may be a tensor (int32 [1] holding the seed's 32 bits):
 * on webgpu the mask is then drawn on the GPU from it, so the seed can change without anything else changing (a
 * captured step's input).
 */
export function dropout(x: tf.Tensor, rate: number, base: number | tf.Tensor, call = 0): tf.Tensor {
  if (rate <= 0) return x;
  return tf.tidy(() => {
    if (rate >= 1) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
    const seedTensor = typeof base === 'number' ? null : base;
    if (tf.getBackend() === 'webgpu') {
      const seed = seedTensor ?? tf.tensor1d([base as number | 0], 'int32');
      // float32: one kernel draws and applies the mask; other dtypes multiply by the mask as a tensor.
      const out = x.dtype === 'float32' ? gpuApplyDropout(x, rate, seed, call) : null;
      if (out) return out;
      const mask = gpuDropoutMask(x.shape, rate, seed, call);
      if (mask) return x.mul(mask);
    }
    // Only reached off webgpu (there the GPU kernels always answer), where a synchronous read works: the cpu and
    // wasm backends keep tensors in host memory; tfjs-node reads synchronously from native memory.
    // eslint-disable-next-line no-restricted-properties -- only host-memory tensors reach this line (see above)
    const seed = seedTensor ? (seedTensor.dataSync()[0] ?? 0) >>> 0 : (base as number);
    return x.mul(dropoutMask(x.shape, rate, callSeed(seed, call)));
  });
}

/**
 * `dropout(x, rate, base, call) + residual` (a block's output, then its skip connection): on webgpu one kernel
 * draws the mask, applies it and adds the residual, forward; elsewhere the composed form. Same masks as `dropout`.
 */
export function dropoutAdd(
  x: tf.Tensor,
  residual: tf.Tensor,
  rate: number,
  base: number | tf.Tensor,
  call = 0,
): tf.Tensor {
  return tf.tidy(() => {
    if (
      rate > 0 &&
      rate < 1 &&
      tf.getBackend() === 'webgpu' &&
      x.dtype === 'float32' &&
      residual.dtype === 'float32'
    ) {
      const seed = typeof base === 'number' ? tf.tensor1d([base | 0], 'int32') : base;
      const out = sameShape(x, residual) ? gpuApplyDropout(x, rate, seed, call, residual) : null;
      if (out) return out;
    }
    return dropout(x, rate, base, call).add(residual);
  });
}

const sameShape = (a: tf.Tensor, b: tf.Tensor) =>
  a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
