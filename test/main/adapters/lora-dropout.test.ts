/** PEFT's lora_dropout: applied to the LoRA branch's input while training, never to the frozen path or inference. */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';

let model: Model;
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => a.sub(b).abs().max().dataSync()[0] as number);
beforeAll(async () => {
  await useTestBackend();
  model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
});
afterAll(() => model.dispose());

const lora = (dropout: number) =>
  createAdapter(model, { type: 'lora', r: 4, alpha: 8, dropout, rslora: false }, 3, {
    numLabels: model.config.labels.length,
  });

/** B starts at zero (identity at init); give every pair the same non-zero B so the branch matters. */
function perturb(a: ReturnType<typeof lora>): void {
  for (const [name, w] of a.weights)
    if (name.endsWith('lora_B')) w.assign(tf.randomNormal(w.shape, 0, 0.5, 'float32', 7));
}

const inputs = () => ({
  inputIds: tf.tensor2d([[2, 15, 27, 33, 3]], [1, 5], 'int32'),
  attentionMask: tf.ones([1, 5], 'int32') as tf.Tensor2D,
});

describe('LoRA dropout', () => {
  it('drops the branch input through the pass dropout, leaving the frozen path alone', () => {
    const a = lora(0.5);
    perturb(a);
    const name = [...a.weights.keys()].find((n) => n.endsWith('lora_A'))?.replace(/\.lora_A$/, '') as string;
    const w = model.params.get(`${name}.weight`);
    const [inF, outF] = w.shape as [number, number];
    const x = tf.randomNormal([3, inF], 0, 1, 'float32', 1) as tf.Tensor2D;
    const base = (t: tf.Tensor2D) => tf.matMul(t, w as tf.Tensor2D) as tf.Tensor2D;
    const seen: number[] = [];
    const info = { weightName: `${name}.weight`, inFeatures: inF, outFeatures: outF };
    const hook = a.hooks.linear as NonNullable<typeof a.hooks.linear>;
    // A dropout that drops everything: only the frozen projection is left.
    const dropped = hook(name, x, base, {
      ...info,
      dropout: (t, rate) => {
        seen.push(rate);
        return tf.zerosLike(t);
      },
    });
    expect(seen).toEqual([0.5]);
    expect(maxAbsDiff(dropped, base(x))).toBe(0);
    // No dropout in the pass: the branch adds its full update.
    const kept = hook(name, x, base, info);
    expect(maxAbsDiff(kept, base(x))).toBeGreaterThan(1e-3);
    tf.dispose([x, dropped, kept]);
    a.dispose();
  });

  it('changes training outputs but not evaluation outputs', () => {
    const withDrop = lora(0.5);
    const without = lora(0);
    perturb(withDrop);
    perturb(without);
    const ins = inputs();
    const run = (a: ReturnType<typeof lora>, training: boolean) =>
      model.forward(ins, { hooks: a.hooks, training, dropoutSeed: 11 }).logits;
    const evalA = run(withDrop, false);
    const evalB = run(without, false);
    expect(maxAbsDiff(evalA, evalB)).toBe(0);
    const trainA = run(withDrop, true);
    const trainA2 = run(withDrop, true);
    expect(maxAbsDiff(trainA, trainA2)).toBe(0); // seeded: a resumed step draws the same masks
    const trainB = run(without, true);
    expect(maxAbsDiff(trainA, trainB)).toBeGreaterThan(0);
    tf.dispose([evalA, evalB, trainA, trainA2, trainB, ...Object.values(ins)]);
    withDrop.dispose();
    without.dispose();
  });
});
