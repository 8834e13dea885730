/**
 * The same seed gives the same run on wasm (the CPU path), for every method of the registry: two runs of a few
 * steps from one seed have the same losses and weights, bit for bit. The webgpu twin is same-seed-webgpu.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../../helpers/backend.ts';
import { SAME_SEED_CASES } from '../../helpers/same-seed-cases.ts';
import { differingWeights, trainFromSeed } from '../../helpers/same-seed.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-same-seed-wasm-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

describe('the same seed on wasm', () => {
  it.each(SAME_SEED_CASES)(
    '$label: two runs from one seed have the same losses and weights',
    async ({ dir, method, tasks, inputs, numLabels }) => {
      const config = await method(tmp.dir);
      const before = tf.memory().numTensors;
      // wasm sums in a fixed order at any size: a small batch is enough here.
      const first = await trainFromSeed(dir, config, 5, 2, { tasks, inputs, numLabels, minTokens: 64 });
      const second = await trainFromSeed(dir, config, 5, 2, { tasks, inputs, numLabels, minTokens: 64 });
      expect(first.losses.every(Number.isFinite)).toBe(true);
      expect(second.losses).toEqual(first.losses);
      expect(differingWeights(first, second)).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
