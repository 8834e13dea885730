import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2dWithGrad, embeddingLookup } from '../../../../src-main/engine/ops/index.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { maxAbsDiff } from '../../../helpers/reference.ts';

/** Runs `f` on a backend and returns its value and gradients as plain arrays. */
async function on(backend: string, f: () => { value: number[]; grads: number[][] }) {
  await tf.setBackend(backend);
  return tf.tidy(f);
}

const seeded = (shape: number[], seed: number, lo = -1) => tf.randomUniform(shape, lo, 1, 'float32', seed);

beforeAll(useTestBackend);
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('engine fixes: gradients on wasm equal the cpu backend', () => {
  it('embedding lookup (gather) with repeated ids', async () => {
    const run = () => {
      const table = seeded([7, 5], 1);
      const ids = tf.tensor2d(
        [
          [1, 3, 3],
          [6, 1, 0],
        ],
        [2, 3],
        'int32',
      );
      const up = seeded([2, 3, 5], 2);
      const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => embeddingLookup(t, ids).mul(up).sum())([
        table,
      ]);
      return { value: Array.from(value.dataSync()), grads: grads.map((g) => Array.from(g.dataSync())) };
    };
    const cpu = await on('cpu', run);
    const wasm = await on('wasm', run);
    expect(maxAbsDiff(wasm.value, cpu.value)).toBeLessThan(1e-5);
    expect(maxAbsDiff(wasm.grads[0] ?? [], cpu.grads[0] ?? [])).toBeLessThan(1e-5);
    // The cpu backend's own gather gradient agrees too.
    await tf.setBackend('cpu');
    const ref = tf.tidy(() => {
      const table = seeded([7, 5], 1);
      const ids = tf.tensor2d(
        [
          [1, 3, 3],
          [6, 1, 0],
        ],
        [2, 3],
        'int32',
      );
      const up = seeded([2, 3, 5], 2);
      return Array.from(
        tf
          .grad((t: tf.Tensor) => tf.gather(t, ids).mul(up).sum())(table)
          .dataSync(),
      );
    });
    expect(maxAbsDiff(cpu.grads[0] ?? [], ref)).toBeLessThan(1e-6);
  });

  it.each([
    [1, 1, 3],
    [2, 1, 3],
    [2, 3, 7],
    [1, 0, 1],
  ])('conv2d stride %i pad %i kernel %i', async (stride, pad, k) => {
    const run = () => {
      const x = seeded([2, 9, 9, 3], 3);
      const w = seeded([k, k, 3, 4], 4);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        conv2dWithGrad(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)
          .square()
          .sum();
      const { value, grads } = tf.valueAndGrads(f)([x, w]);
      return { value: Array.from(value.dataSync()), grads: grads.map((g) => Array.from(g.dataSync())) };
    };
    const cpu = await on('cpu', run);
    const wasm = await on('wasm', run);
    // And the reference: tf's own conv2d gradient on cpu.
    const ref = await on('cpu', () => {
      const x = seeded([2, 9, 9, 3], 3);
      const w = seeded([k, k, 3, 4], 4);
      const padding =
        pad === 0
          ? 'valid'
          : ([
              [0, 0],
              [pad, pad],
              [pad, pad],
              [0, 0],
            ] as [[number, number], [number, number], [number, number], [number, number]]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding)
          .square()
          .sum();
      const { value, grads } = tf.valueAndGrads(f)([x, w]);
      return { value: Array.from(value.dataSync()), grads: grads.map((g) => Array.from(g.dataSync())) };
    });
    expect(maxAbsDiff(cpu.value, ref.value)).toBeLessThan(1e-3);
    for (const i of [0, 1]) {
      expect(maxAbsDiff(cpu.grads[i] ?? [], ref.grads[i] ?? [])).toBeLessThan(1e-3);
      expect(maxAbsDiff(wasm.grads[i] ?? [], ref.grads[i] ?? [])).toBeLessThan(1e-3);
    }
  });
});
