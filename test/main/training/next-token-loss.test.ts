/**
 * The causal-LM loss the training loop and the benches share (training/next-token-loss.ts), against values worked
 * out by hand: softmax([ln 3, 0]) = [3/4, 1/4] and softmax([0, 0]) = [1/2, 1/2].
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextTokenLoss } from '../../../src-main/training/next-token-loss.ts';
import { useTestBackend } from '../../helpers/backend.ts';

beforeAll(useTestBackend);

const LN2 = Math.log(2);
const LN3 = Math.log(3);

/**
 * Two rows of three positions over a vocabulary of 2. The last position predicts nothing: its logits are extreme,
 * so counting it, or pairing a position with its own id instead of the next, would move the loss far off.
 * Per kept position, -ln p(target): row 0 gives ln 2 and ln 4; row 1 gives ln 4/3 and ln 2.
 */
const LOGITS = [
  [
    [0, 0],
    [LN3, 0],
    [100, -100],
  ],
  [
    [LN3, 0],
    [0, 0],
    [-100, 100],
  ],
];
const TARGETS = [
  [0, 1],
  [0, 1],
];

const lossWith = (mask: number[][] | number[]): number =>
  tf.tidy(() => {
    const m = Array.isArray(mask[0]) ? tf.tensor2d(mask as number[][]) : tf.tensor1d(mask as number[]);
    return nextTokenLoss(
      tf.tensor3d(LOGITS),
      tf.tensor2d(TARGETS, [2, 2], 'int32'),
      m,
    ).dataSync()[0] as number;
  });

describe('nextTokenLoss', () => {
  it('averages the next-token cross-entropy over the kept positions only', () => {
    expect(
      lossWith([
        [1, 1],
        [1, 1],
      ]),
    ).toBeCloseTo((LN2 + 2 * LN2 + Math.log(4 / 3) + LN2) / 4, 5);
    expect(
      lossWith([
        [1, 1],
        [0, 0],
      ]),
    ).toBeCloseTo((3 * LN2) / 2, 5);
    expect(
      lossWith([
        [0, 1],
        [1, 0],
      ]),
    ).toBeCloseTo((2 * LN2 + Math.log(4 / 3)) / 2, 5);
  });

  it('takes the mask flat as well as per row, and gives 0 when nothing is kept', () => {
    expect(lossWith([0, 1, 1, 0])).toBeCloseTo((2 * LN2 + Math.log(4 / 3)) / 2, 5);
    expect(lossWith([0, 0, 0, 0])).toBe(0);
  });

  it('leaves no tensor behind', () => {
    const logits = tf.tensor3d(LOGITS);
    const targets = tf.tensor2d(TARGETS, [2, 2], 'int32');
    const mask = tf.ones([2, 2]);
    const before = tf.memory().numTensors;
    const loss = nextTokenLoss(logits, targets, mask);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([loss, logits, targets, mask]);
  });
});
