import * as tf from '@tensorflow/tfjs-core';
// The cpu backend and core's gradients, as every engine process registers them.
import '../../../src-main/engine/tf-core.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../../../src-main/training/adamw.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One AdamW step worked out by hand for p=1, g=0.5, lr=0.1, wd=0.01 (bias-corrected m/v equal g and g²). */
describe('AdamW', () => {
  it('matches a hand-computed first step with decoupled weight decay', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, 'w');
    const opt = new AdamW({ weightDecay: 0.01 });
    const g = tf.tensor1d([0.5, -0.25]);
    opt.apply(new Map([['w', p]]), new Map([['w', g]]), 0.1);
    // update = g / (|g| + eps) = sign(g); p - lr * (sign(g) + wd * p)
    const expected = [1 - 0.1 * (1 + 0.01 * 1), -2 - 0.1 * (-1 + 0.01 * -2)];
    const got = Array.from(p.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 6));
    g.dispose();
    p.dispose();
    opt.dispose();
  });

  it('does not decay biases and norms', () => {
    const bias = tf.variable(tf.tensor1d([1]), true, 'b');
    const opt = new AdamW({ weightDecay: 0.5 });
    const zero = tf.tensor1d([0]);
    opt.apply(new Map([['layer.bias', bias]]), new Map([['layer.bias', zero]]), 0.1);
    expect(bias.dataSync()[0]).toBeCloseTo(1, 6);
    zero.dispose();
    bias.dispose();
    opt.dispose();
  });

  it('continues identically after export and import of its state, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const run = async (splitAt: number | null) => {
      const init = tf.tensor1d([0.3, -0.7, 1.1]);
      const p = tf.variable(init, true, 'w');
      init.dispose();
      let opt = new AdamW({ weightDecay: 0.1 });
      for (let i = 0; i < 6; i++) {
        if (i === splitAt) {
          const state = await opt.exportState();
          // The checkpoint holds each moment by name, shaped like its weight (the optimizer packs them in one).
          expect([...state.tensors].map(([k, t]) => [k, t.shape])).toEqual([
            ['m/w', [3]],
            ['v/w', [3]],
          ]);
          const lone = { step: state.step, tensors: new Map([...state.tensors].slice(0, 1)) };
          expect(() => new AdamW().importState(lone)).toThrow(/w has only its first moment/);
          opt.dispose();
          opt = new AdamW({ weightDecay: 0.1 });
          opt.importState(state);
        }
        const g = tf.tidy(() => p.mul(p).sub(0.2));
        opt.apply(new Map([['w', p]]), new Map([['w', g]]), 0.05);
        g.dispose();
      }
      const out = Array.from(p.dataSync());
      expect(opt.stateSize()).toBe(6);
      p.dispose();
      opt.dispose();
      return out;
    };
    expect(await run(3)).toEqual(await run(null));
    expect(tf.memory().numTensors).toBe(before);
  });
});

afterAll(() => {
  tf.disposeVariables();
});
