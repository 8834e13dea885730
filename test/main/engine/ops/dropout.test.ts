import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { callSeed, dropout, dropoutMask } from '../../../../src-main/engine/ops/index.ts';
import { useTestBackend } from '../../../helpers/backend.ts';

beforeAll(useTestBackend);

describe('dropout from our seeded generator', () => {
  it('keeps 1 - rate of the elements, scaled by 1/(1 - rate)', () => {
    const n = 100_000;
    const rate = 0.1;
    const mask = dropoutMask([n], rate, 42);
    const values = mask.dataSync();
    let dropped = 0;
    const other = new Set<number>();
    for (const v of values) {
      if (v === 0) dropped++;
      else other.add(v);
    }
    expect([...other]).toEqual([Math.fround(1 / 0.9)]);
    // Binomial(n, 0.1): standard deviation ~95 draws; 6 of them is a generous band that a biased mask would leave.
    expect(Math.abs(dropped - n * rate)).toBeLessThan(600);
    mask.dispose();
  });

  it('the same seed gives the same mask, another seed another, on any shape', () => {
    const a = Array.from(dropoutMask([4, 3, 50], 0.5, 7).dataSync());
    const b = Array.from(dropoutMask([4, 3, 50], 0.5, 7).dataSync());
    const c = Array.from(dropoutMask([4, 3, 50], 0.5, 8).dataSync());
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('the gradient is the mask, rate 0 is the identity, and no tensors leak', () => {
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([6, 40], -1, 1, 'float32', 1);
    const g = tf.grad((t: tf.Tensor) => dropout(t, 0.25, 3).sum())(x);
    const mask = dropoutMask([6, 40], 0.25, callSeed(3, 0));
    expect(Array.from(g.dataSync())).toEqual(Array.from(mask.dataSync()));
    const y = dropout(x, 0.25, 3);
    const expected = x.mul(mask);
    expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(dropout(x, 0, 3)).toBe(x);
    // A tensor seed (the form a captured GPU step feeds) and later calls of the same pass.
    const seed = tf.tensor1d([3], 'int32');
    const fromTensor = dropout(x, 0.25, seed, 5);
    const call5 = tf.tidy(() => x.mul(dropoutMask([6, 40], 0.25, callSeed(3, 5))));
    expect(Array.from(fromTensor.dataSync())).toEqual(Array.from(call5.dataSync()));
    tf.dispose([x, g, mask, y, expected, seed, fromTensor, call5]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a rate outside [0, 1)', () => {
    expect(() => dropoutMask([2], 1, 0)).toThrow(/\[0, 1\)/);
    expect(() => dropoutMask([2], -0.1, 0)).toThrow(/\[0, 1\)/);
  });
});
