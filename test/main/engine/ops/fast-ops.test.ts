import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchNorm,
  depthwiseConv2d,
  geluTanh,
  isFrozen,
  linear,
  matMul,
  maxPool,
  multiHeadAttention,
  paddingBias,
  splitLastDim,
} from '../../../../src-main/engine/ops/index.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { relErr, sameAsReference, seeded } from '../../../helpers/grad-check.ts';
import type { Fn } from '../../../helpers/grad-check.ts';

const expectSame = sameAsReference({ inputs: 10, weights: 99 });

beforeAll(useTestBackend);
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('fast ops: same values and gradients as plain tf ops (cpu reference)', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul transposeA=%s transposeB=%s', async (ta, tb) => {
    const a = ta ? [6, 5] : [5, 6];
    const b = tb ? [7, 6] : [6, 7];
    await expectSame(
      (x, y) => matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb),
      (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb),
      [a, b],
    );
  });

  it('linear on a 3-D input with bias (tf.matMul 3-D x 2-D has no working gradient)', async () => {
    await expectSame(
      (x, w, b) => linear(x as tf.Tensor3D, w as tf.Tensor, b),
      (x, w, b) =>
        tf
          .matMul(x!.reshape([-1, 6]) as tf.Tensor2D, w as tf.Tensor2D)
          .add(b!)
          .reshape([2, 3, 4]),
      [[2, 3, 6], [6, 4], [4]],
    );
  });

  it('a frozen weight gets no gradient and leaves the input gradient unchanged', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(seeded([6, 4], 3), false));
    const x = tf.tidy(() => tf.variable(seeded([5, 6], 4), true));
    expect(isFrozen(w)).toBe(true);
    expect(isFrozen(x)).toBe(false);
    const { value, grads } = tf.variableGrads(() => linear(x, w).square().sum() as tf.Scalar, [x]);
    expect(Object.keys(grads)).toEqual([x.name]);
    const ref = tf.grad((a: tf.Tensor) =>
      tf
        .matMul(a as tf.Tensor2D, w)
        .square()
        .sum(),
    )(x);
    expect(relErr(Array.from(grads[x.name]!.dataSync()), Array.from(ref.dataSync()))).toBeLessThan(1e-5);
    tf.dispose([w, x, ref, value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['perHead', 'batched'] as const)('multi-head attention (%s) with a padding mask', async (mode) => {
    const [B, S, H, D] = [2, 5, 3, 4];
    const mask = () =>
      tf.tensor2d(
        [
          [1, 1, 1, 1, 1],
          [1, 1, 1, 0, 0],
        ],
        [2, 5],
        'int32',
      );
    const reference: Fn = (q, k, v) => {
      const split = (t: tf.Tensor) => t.reshape([B, S, H, D]).transpose([0, 2, 1, 3]);
      const scores = tf.matMul(split(q!), split(k!), false, true).mul(1 / Math.sqrt(D));
      const p = tf.softmax(scores.add(tf.sub(1, mask().cast('float32')).mul(-1e9).reshape([B, 1, 1, S])));
      return tf
        .matMul(p, split(v!))
        .transpose([0, 2, 1, 3])
        .reshape([B * S, H * D]);
    };
    const ours: Fn = (q, k, v) =>
      multiHeadAttention(
        q as tf.Tensor2D,
        k as tf.Tensor2D,
        v as tf.Tensor2D,
        { batch: B, seq: S, heads: H, headDim: D },
        {
          bias: paddingBias(mask()),
          mode,
        },
      );
    await expectSame(ours, reference, [
      [B * S, H * D],
      [B * S, H * D],
      [B * S, H * D],
    ]);
  });

  it('splitLastDim and geluTanh (x*x*x, not pow)', async () => {
    await expectSame(
      (x) =>
        tf.concat(
          splitLastDim(x!, [2, 3, 4]).map((p, i) => p.mul(i + 1)),
          1,
        ),
      (x) =>
        tf.concat(
          tf.split(x!, [2, 3, 4], 1).map((p, i) => p.mul(i + 1)),
          1,
        ),
      [[3, 9]],
    );
    await expectSame(
      (x) => geluTanh(x!),
      (x) => x!.mul(tf.tanh(x!.add(tf.pow(x!, 3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)).mul(0.5),
      [[4, 6]],
    );
  });

  it.each([
    [1, 0, 3, 1],
    [1, 1, 3, 2],
    [2, 1, 3, 1],
    [2, 0, 2, 2],
  ])('depthwise conv2d stride %i pad %i kernel %i multiplier %i', async (stride, pad, k, m) => {
    const padding = (p: number) =>
      (p === 0
        ? 'valid'
        : [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ]) as 'valid' | [[number, number], [number, number], [number, number], [number, number]];
    await expectSame(
      (x, w) => depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
      (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, padding(pad)),
      [
        [2, 7, 7, 3],
        [k, k, 3, m],
      ],
    );
  });

  it.each([
    [2, 2, 'valid'],
    [3, 2, 'same'],
  ] as const)('maxPool %i/%i %s on negative inputs', async (size, stride, pad) => {
    const shift = (x: tf.Tensor) => x.sub(2); // all inputs negative: where wasm's own gradient goes wrong
    await expectSame(
      (x) => maxPool(shift(x!) as tf.Tensor4D, size, stride, pad),
      (x) => tf.maxPool(shift(x!) as tf.Tensor4D, size, stride, pad),
      [[2, 6, 6, 3]],
    );
  });

  it('batchNorm without scale and offset (tf.batchNorm cannot differentiate that)', async () => {
    await expectSame(
      (x, m, v) => batchNorm(x!, m!, v!.abs().add(0.5)),
      (x, m, v) => tf.batchNorm(x!, m!, v!.abs().add(0.5), tf.zeros([4]), tf.ones([4]), 1e-3),
      [[3, 5, 4], [4], [4]],
    );
  });
});

describe('tensor hygiene', () => {
  it('forward, backward and dispose leave no tensors behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [B, S, H, D] = [2, 4, 2, 3];
    const xs = [
      seeded([B * S, H * D], 1),
      seeded([H * D, H * D], 2),
      seeded([1, 5, 5, 2], 3),
      seeded([3, 3, 2, 1], 4),
    ];
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, w: tf.Tensor, img: tf.Tensor, f: tf.Tensor) => {
      const q = linear(x as tf.Tensor2D, w);
      const a = multiHeadAttention(q, q, q, { batch: B, seq: S, heads: H, headDim: D });
      const c = depthwiseConv2d(img as tf.Tensor4D, f as tf.Tensor4D, 1, 1);
      return a
        .sum()
        .add(maxPool(c, 2, 2, 'valid').sum())
        .add(splitLastDim(q, 2)[0]!.sum());
    })(xs);
    tf.dispose([value, ...grads, ...xs]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
