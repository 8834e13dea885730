/**
 * Cross-entropy against class ids (engine/ops/cross-entropy.ts) on the CPU backends, against tf.js's one-hot form
 * on cpu: per-row values and the logits' gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sparseSoftmaxCrossEntropy } from '../../../../src-main/engine/ops/cross-entropy.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { sameAsReference } from '../../../helpers/grad-check.ts';

beforeAll(useTestBackend);
afterAll(async () => {
  await tf.setBackend('wasm');
});

const expectSame = sameAsReference({ inputs: 3, weights: 8 });

describe('sparseSoftmaxCrossEntropy', () => {
  it('equals the one-hot softmax cross-entropy, values and the logits gradient, on cpu and wasm', async () => {
    for (const [rows, d, scale] of [
      [1, 2, 1],
      [6, 50, 1],
      [4, 30, 60],
    ] as const) {
      const targets = () =>
        tf.tensor1d(
          Array.from({ length: rows }, (_, i) => (i * 7 + 1) % d),
          'int32',
        );
      await expectSame(
        (x) => sparseSoftmaxCrossEntropy(x.mul(scale) as tf.Tensor2D, targets()),
        (x) =>
          tf.losses.softmaxCrossEntropy(
            tf.oneHot(targets(), d),
            x.mul(scale),
            undefined,
            undefined,
            tf.Reduction.NONE,
          ),
        [[rows, d]],
        1e-5,
      );
    }
  });
});
