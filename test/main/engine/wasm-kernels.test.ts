import * as tf from '@tensorflow/tfjs-core';
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

describe('faster wasm GatherV2 / Identity / Cast', () => {
  it('gathers rows along axis 0 as the cpu backend does (float32 and int32, 1-D and 2-D indices)', async () => {
    for (const dtype of ['float32', 'int32'] as const) {
      const [cpu, wasm] = await both(() =>
        tf.tidy(() => {
          const table = tf.range(0, 5 * 3 * 2, 1, dtype).reshape([5, 3, 2]);
          const flat = tf.gather(table, tf.tensor1d([4, 0, 4, 2], 'int32'));
          const nested = tf.gather(
            table,
            tf.tensor2d(
              [
                [1, 3],
                [0, 0],
                [2, 4],
              ],
              [3, 2],
              'int32',
            ),
          );
          return [flat, nested].map((t) => [t.shape, Array.from(t.dataSync())]);
        }),
      );
      expect(wasm).toEqual(cpu);
    }
  });

  it('still gathers on other axes and refuses an index out of range', async () => {
    await tf.setBackend('wasm');
    const [cpu, wasm] = await both(() =>
      tf.tidy(() => Array.from(tf.gather(tf.range(0, 12).reshape([3, 4]), [3, 1], 1).dataSync())),
    );
    expect(wasm).toEqual(cpu);
    await tf.setBackend('wasm');
    const table = tf.zeros([3, 2]);
    const bad = tf.tensor1d([1, 3], 'int32');
    expect(() => tf.gather(table, bad)).toThrow(/index value 3 is not in \[0, 2\]/);
    tf.dispose([table, bad]);
  });

  it('identity and same-dtype cast share data that outlives the original; other casts convert', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([1.5, -2, 3]);
    const copy = x.clone();
    const same = tf.cast(x, 'float32');
    const ints = tf.cast(x, 'int32');
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    expect(ints.dtype).toBe('int32');
    // Gradients save inputs through Identity: a step of a tiny graph still differentiates correctly.
    const w = tf.tensor1d([2, 3]);
    const g = tf.grad((v: tf.Tensor) => v.mul(v).sum())(w);
    expect(Array.from(g.dataSync())).toEqual([4, 6]);
    tf.dispose([copy, same, ints, w, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('faster wasm leading-axis Sum equals the cpu backend', () => {
  const sums: [number[], number | number[] | null, boolean][] = [
    [[300, 7], 0, false],
    [[300, 7], 0, true],
    [[4, 5, 6], [0, 1], false],
    [[4, 5, 6], [1, 0], true],
    [[4, 5, 6], -3, false],
    [[4, 5, 6], 1, false], // not leading: tf.js's kernel
    [[4, 5, 6], [0, 1, 2], false], // everything
    [[4, 5, 6], null, false], // no axis: everything
    [[4, 5, 6], null, true],
  ];
  it.each(sums)('sum of %j over %j (keepDims %s)', async (shape, axis, keepDims) => {
    // tf.sum passes a null axis (every axis) straight to the kernel when none is given.
    const [cpu, wasm] = await both(() =>
      tf.tidy(() => {
        const t = tf.randomUniform(shape, -1, 1, 'float32', 3).sum(axis ?? undefined, keepDims);
        return [t.shape, Array.from(t.dataSync())] as const;
      }),
    );
    expect(wasm[0]).toEqual(cpu[0]);
    wasm[1].forEach((v, i) => expect(v).toBeCloseTo(cpu[1][i]!, 4));
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([6, 8, 10]);
    tf.dispose([x.sum(0), x.sum([0, 1], true), x.sum(2)]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
