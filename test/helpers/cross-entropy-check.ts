/**
 * Cross-entropy against class ids (engine/ops/cross-entropy.ts) checked against tf.js's one-hot form: values and
 * the logits' gradient, on rows shorter and longer than a GPU workgroup, a vocabulary-like width, and logits far
 * from 0 (the row's maximum is taken out), for the backends given.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sparseSoftmaxCrossEntropy } from '../../src-main/engine/ops/cross-entropy.ts';
import { sameAsReference } from './grad-check.ts';

const CASES = [
  [3, 40, 1],
  [5, 1000, 1],
  [4, 300, 80],
] as const;

export async function expectCrossEntropyAsOneHot(backends?: readonly string[]): Promise<void> {
  const expectSame = sameAsReference({ inputs: 3, weights: 8 });
  for (const [rows, d, scale] of CASES) {
    const targets = () =>
      tf.tensor1d(
        Array.from({ length: rows }, (_, i) => (i * 37 + 5) % d),
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
      backends,
    );
  }
}
