import * as tf from '@tensorflow/tfjs-core';
import '../../../src-main/engine/tf-core.ts';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFloats } from '../../../src-main/engine/read-back.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('readFloats', () => {
  it('reads tensors in groups of at most maxFloats values, each as its own array, and leaks nothing', async () => {
    const ts = [
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor1d([5, 6, 7]),
      tf.tensor1d([8, 9], 'int32'),
      tf.zeros([10]),
      tf.scalar(11),
    ];
    const before = tf.memory().numTensors;
    const reads = vi.spyOn(tf.Tensor.prototype, 'data');
    const got = await readFloats(ts, 8);
    // Groups of at most 8 values: [4 + 3], [2] (2 + 10 is over), [10] (over on its own: read alone), [1].
    expect(reads.mock.calls.length).toBe(4);
    reads.mockRestore();
    expect(got.map((a) => Array.from(a))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7],
      [8, 9],
      new Array(10).fill(0),
      [11],
    ]);
    expect(got.every((a) => a instanceof Float32Array)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // maxFloats 0 (the CPU backends' default): one read per tensor.
    expect((await readFloats(ts)).map((a) => a.length)).toEqual([4, 3, 2, 10, 1]);
    tf.dispose(ts);
  });
});
