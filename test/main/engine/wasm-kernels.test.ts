import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installFastWasmKernels } from '../../../src-main/engine/wasm-kernels.ts';
import { useTestBackend } from '../../helpers/backend.ts';

beforeAll(async () => {
  await useTestBackend();
  installFastWasmKernels();
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

async function both<T>(f: () => T): Promise<[T, T]> {
  await tf.setBackend('cpu');
  const cpu = f();
  await tf.setBackend('wasm');
  return [cpu, f()];
}

describe('faster wasm Slice / Unpack / SplitV equal the cpu backend', () => {
  const cases: [number[], number[], number[]][] = [
    [[10], [3], [4]],
    [
      [4, 6],
      [1, 2],
      [2, 3],
    ],
    [
      [4, 6],
      [1, 0],
      [2, -1],
    ],
    [
      [2, 3, 4],
      [1, 1, 1],
      [1, 2, 2],
    ],
    [
      [2, 3, 4, 5],
      [0, 1, 0, 2],
      [2, 2, 4, 3],
    ],
    [
      [2, 3, 4, 5, 2],
      [1, 0, 1, 1, 0],
      [1, 3, 2, 3, 2],
    ],
  ];
  it.each(cases)('slice of %j at %j size %j (float32 and int32)', async (shape, begin, size) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const [cpu, wasm] = await both(() =>
        tf.tidy(() =>
          Array.from(
            tf
              .range(
                0,
                shape.reduce((a, b) => a * b, 1),
                1,
                dtype,
              )
              .reshape(shape)
              .slice(begin, size)
              .dataSync(),
          ),
        ),
      );
      expect(wasm).toEqual(cpu);
    }
  });

  it('unstack and split on every axis, and no tensors leak', async () => {
    const before = tf.memory().numTensors;
    for (const axis of [0, 1, 2]) {
      const [cpu, wasm] = await both(() =>
        tf.tidy(() => {
          const x = tf.randomUniform([3, 4, 6], -1, 1, 'float32', axis);
          const parts = [
            ...tf.unstack(x, axis),
            ...tf.split(x, axis === 2 ? [1, -1, 2] : x.shape[axis]!, axis),
          ];
          return parts.map((p) => [p.shape, Array.from(p.dataSync())]);
        }),
      );
      expect(wasm).toEqual(cpu);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
