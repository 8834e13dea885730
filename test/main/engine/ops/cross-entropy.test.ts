/**
 * Cross-entropy against class ids (engine/ops/cross-entropy.ts) on the CPU backends, against tf.js's one-hot form
 * on cpu: per-row values and the logits' gradient (the webgpu kernels: test/main/engine/webgpu/fused-kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { useTestBackend } from '../../../helpers/backend.ts';
import { expectCrossEntropyAsOneHot } from '../../../helpers/cross-entropy-check.ts';

beforeAll(useTestBackend);
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('sparseSoftmaxCrossEntropy', () => {
  it('equals the one-hot softmax cross-entropy, values and the logits gradient, on cpu and wasm', async () => {
    await expectCrossEntropyAsOneHot();
  });
});
