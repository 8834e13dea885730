/**
 * The same seed gives the same run on webgpu (a real GPU, or lavapipe where there is none), for every method of
 * the registry: two runs of a few steps from one seed have the same losses and weights, bit for bit. The rows
 * marked `large` train on batches of 2,048 tokens, where tf.js's split-K products (float atomics) made weight
 * gradients differ from run to run (src-main/engine/webgpu/deterministic-matmul.ts); the others on small batches,
 * which still catch a method whose kernels read stale buffers (ST-Adapter's rank-5 ops did). Skipped, with the
 * reason, where no WebGPU adapter exists.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { registeredMethods } from '../../../src-main/adapters/index.ts';
import { wouldSplitK } from '../../../src-main/engine/webgpu/deterministic-matmul.ts';
import { NOT_TRAINED, SAME_SEED_CASES } from '../../helpers/same-seed-cases.ts';
import { differingWeights, MIN_TOKENS, trainFromSeed } from '../../helpers/same-seed.ts';
import { tempDir } from '../../helpers/temp.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu same-seed tests skipped: ${unavailable}`);

const tmp = tempDir('studio-same-seed-webgpu-');
afterAll(() => tmp.cleanup());

describe('the same seed on webgpu', () => {
  it('has a row for every registered method that trains', () => {
    const covered = new Set(SAME_SEED_CASES.map((c) => c.type));
    expect(registeredMethods().filter((m) => !covered.has(m) && !NOT_TRAINED.has(m))).toEqual([]);
  });

  it("takes tf.js's split-K path for a weight gradient over a batch of MIN_TOKENS tokens", () => {
    // xᵀ·dy of a LoRA A [64, 4] (the BERT fixture's width) over the batch: the product the fix is about.
    expect(wouldSplitK([64, MIN_TOKENS], [MIN_TOKENS, 4], {}, 128)).toBe(true);
    expect(wouldSplitK([64, 1024], [1024, 4], {}, 128)).toBe(false);
  });

  it.skipIf(unavailable !== null)('a product split over K gives the same bits every time', async () => {
    const a = tf.randomNormal([64, 4096], 0, 1, 'float32', 1);
    const b = tf.randomNormal([4096, 8], 0, 1, 'float32', 2);
    const first = await tf.matMul(a, b).data();
    for (let i = 0; i < 10; i++) {
      const again = tf.matMul(a, b);
      expect(Buffer.from((await again.data()).buffer).equals(Buffer.from(first.buffer))).toBe(true);
      again.dispose();
    }
    tf.dispose([a, b]);
  });

  it.skipIf(unavailable !== null).each(SAME_SEED_CASES)(
    '$label: two runs from one seed have the same losses and weights',
    async ({ dir, method, tasks, inputs, large, numLabels }) => {
      const config = await method(tmp.dir);
      const before = tf.memory().numTensors;
      const first = await trainFromSeed(dir, config, 5, 2, {
        tasks,
        inputs,
        numLabels,
        minTokens: large ? MIN_TOKENS : 64,
      });
      const second = await trainFromSeed(dir, config, 5, 2, {
        tasks,
        inputs,
        numLabels,
        minTokens: large ? MIN_TOKENS : 64,
      });
      expect(first.losses.every(Number.isFinite)).toBe(true);
      expect(second.losses).toEqual(first.losses);
      expect(differingWeights(first, second)).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
