/**
 * ParamStore.load keeps a linear weight as [in, out]: on the cpu backend (pre-flight) by its own transpose loop,
 * elsewhere by tf.js's. Both must give exactly the stored values, moved.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../../../../src-main/engine/tf-core.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RawTensor } from '../../../../src-main/engine/safetensors/index.ts';
import { ParamStore } from '../../../../src-main/models/base/params.ts';
import type { ParamSpec } from '../../../../src-main/models/base/params.ts';

// A [3, 5] torch-layout weight (out 3, in 5) whose element (o, i) is 10 o + i + 0.25: each value names its place.
const OUT = 3;
const IN = 5;
const weight: RawTensor = {
  dtype: 'float32',
  shape: [OUT, IN],
  data: Float32Array.from({ length: OUT * IN }, (_, k) => 10 * Math.floor(k / IN) + (k % IN) + 0.25),
};
const bias: RawTensor = { dtype: 'float32', shape: [OUT], data: Float32Array.of(1, 2, 3) };
const specs: ParamSpec[] = [
  { name: 'proj.weight', layout: 'linear', shape: [OUT, IN] },
  { name: 'proj.bias', layout: 'plain', shape: [OUT] },
];
const raw = new Map([
  ['proj.weight', weight],
  ['proj.bias', bias],
]);

beforeAll(async () => {
  // Each test file runs in its own process: the backend set here is this file's alone.
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

describe('ParamStore.load on the cpu backend', () => {
  it('stores a linear weight as [in, out] with element (i, o) = the file element (o, i)', () => {
    const tensorsBefore = tf.memory().numTensors;
    const store = ParamStore.load('w.safetensors', raw, specs);
    const w = store.get('proj.weight');
    expect(w.shape).toEqual([IN, OUT]);
    const expected = Array.from({ length: IN }, (_, i) =>
      Array.from({ length: OUT }, (_, o) => 10 * o + i + 0.25),
    );
    expect(w.arraySync()).toEqual(expected);
    expect(Array.from(store.get('proj.bias').dataSync())).toEqual([1, 2, 3]);
    // The same as tf.js's own transpose of the stored matrix, element for element.
    const viaTf = tf.tidy(() =>
      tf
        .tensor2d(weight.data as Float32Array, [OUT, IN])
        .transpose()
        .arraySync(),
    );
    expect(w.arraySync()).toEqual(viaTf);
    store.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
