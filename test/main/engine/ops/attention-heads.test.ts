import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attentionHeads,
  callSeed,
  dropoutMask,
  stackedMatMul,
} from '../../../../src-main/engine/ops/index.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { sameAsReference, seeded } from '../../../helpers/grad-check.ts';
import type { Fn } from '../../../helpers/grad-check.ts';

const expectSame = sameAsReference({ inputs: 20, weights: 77 });

/** Key/value heads repeated for grouped-query attention, the plain way: [B, kvH, S, D] -> [B, kvH*rep, S, D]. */
const repeat = (t: tf.Tensor, rep: number) =>
  tf.concat(
    tf.split(t, t.shape[1]!, 1).flatMap((p) => Array<tf.Tensor>(rep).fill(p)),
    1,
  );

beforeAll(useTestBackend);
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('stackedMatMul: per-matrix products with one gradient', () => {
  it.each([false, true])('equals a batched matMul (transposeB=%s)', async (tb) => {
    await expectSame(
      (a, b) => stackedMatMul(a as tf.Tensor3D, b as tf.Tensor3D, tb),
      (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, tb),
      [[4, 5, 6], tb ? [4, 7, 6] : [4, 6, 7]],
    );
  });

  it.each([false, true])('shared right factors sum their gradients (pick, transposeB=%s)', async (tb) => {
    // 6 products reading 2 right factors: i -> floor(i / 3); the reference gathers them explicitly.
    const pick = (i: number) => Math.floor(i / 3);
    await expectSame(
      (a, b) => stackedMatMul(a as tf.Tensor3D, b as tf.Tensor3D, tb, pick),
      (a, b) => tf.matMul(a as tf.Tensor3D, tf.gather(b!, [0, 0, 0, 1, 1, 1]) as tf.Tensor3D, false, tb),
      [[6, 3, 4], tb ? [2, 5, 4] : [2, 4, 5]],
    );
  });

  it('refuses a pick outside the right operands', () => {
    const a = tf.zeros([2, 2, 2]) as tf.Tensor3D;
    const b = tf.zeros([1, 2, 2]) as tf.Tensor3D;
    expect(() => stackedMatMul(a, b, false, (i) => i)).toThrow(/pick\(1\) = 1/);
    tf.dispose([a, b]);
  });
});

describe('attentionHeads: per-head and batched modes equal plain 4-D attention', () => {
  // Prefix-style keys (kvSeq > seq), a causal-plus-padding bias, grouped-query heads and a dropout-like mask.
  const [B, H, KVH, S, KV, D] = [2, 4, 2, 3, 5, 4];
  const bias = () => {
    const pad = tf.tensor2d([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0],
    ]);
    const causal = tf.linalg.bandPart(tf.ones([S, KV]), -1, KV - S).reshape([1, 1, S, KV]);
    return tf.sub(1, pad).reshape([B, 1, 1, KV]).add(tf.sub(1, causal)).mul(-1e9);
  };
  const keep = () => tf.randomUniform([B, H, S, KV], 0, 1, 'float32', 5).greaterEqual(0.2).cast('float32');
  const reference: Fn = (q, k, v) => {
    const scores = tf.matMul(q!, repeat(k!, H / KVH), false, true).mul(0.5);
    const p = tf.softmax(scores.add(bias())).mul(keep()).div(0.8);
    return tf.matMul(p as tf.Tensor4D, repeat(v!, H / KVH) as tf.Tensor4D);
  };
  it.each(['perHead', 'batched'] as const)('%s', async (mode) => {
    const ours: Fn = (q, k, v) =>
      attentionHeads(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, {
        bias: bias(),
        scale: 0.5,
        dropout: (p) => p.mul(keep()).div(0.8),
        mode,
      });
    await expectSame(ours, reference, [
      [B, H, S, D],
      [B, KVH, KV, D],
      [B, KVH, KV, D],
    ]);
  });

  it.each(['perHead', 'batched'] as const)(
    '%s: dropoutMask applies the seeded mask of engine/ops/dropout.ts to the probabilities',
    async (mode) => {
      const mask = () => dropoutMask([B, H, S, KV], 0.3, callSeed(99, 4));
      const ours: Fn = (q, k, v) =>
        attentionHeads(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, {
          bias: bias(),
          scale: 0.5,
          dropoutMask: { rate: 0.3, seed: 99, call: 4 },
          mode,
        });
      const plain: Fn = (q, k, v) => {
        const scores = tf.matMul(q!, repeat(k!, H / KVH), false, true).mul(0.5);
        const p = tf.softmax(scores.add(bias())).mul(mask());
        return tf.matMul(p as tf.Tensor4D, repeat(v!, H / KVH) as tf.Tensor4D);
      };
      await expectSame(ours, plain, [
        [B, H, S, D],
        [B, KVH, KV, D],
        [B, KVH, KV, D],
      ]);
    },
  );

  it('forward, backward and dispose leave no tensors behind (both modes, wasm)', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const xs = [seeded([B, H, S, D], 1), seeded([B, KVH, KV, D], 2), seeded([B, KVH, KV, D], 3)];
    for (const mode of ['perHead', 'batched'] as const) {
      const { value, grads } = tf.valueAndGrads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        attentionHeads(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { mode })
          .square()
          .sum(),
      )(xs);
      tf.dispose([value, ...grads]);
    }
    tf.dispose(xs);
    expect(tf.memory().numTensors).toBe(before);
  });
});
