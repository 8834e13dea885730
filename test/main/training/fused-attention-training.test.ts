/**
 * Training forward and backward with attention dropout on (BERT's and GPT-2's default) through the fused attention
 * kernels equals the composed form on webgpu: the kernels draw the shared seeded mask inline, so the loss and every
 * LoRA gradient agree with STUDIO_FUSED_ATTENTION=0's. On lavapipe where no GPU is present; skipped, with the
 * reason, where WebGPU cannot start.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { relErr } from '../../helpers/grad-check.ts';
import { loadReference } from '../../helpers/reference.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`fused attention training tests skipped: ${unavailable}`);

afterEach(() => {
  delete process.env.STUDIO_FUSED_ATTENTION;
});

/** Loss (mean squared logits) and LoRA gradients of one training pass with dropout seeded from a tensor. */
async function lossAndGrads(fixture: string, fused: boolean): Promise<{ loss: number; grads: number[][] }> {
  if (!fused) process.env.STUDIO_FUSED_ATTENTION = '0';
  const dir = path.join(HF_TINY_DIR, fixture, 'base');
  const model = loadModel(dir);
  const ref = loadReference(dir);
  const adapter = createAdapter(model, { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }, 3, {
    numLabels: model.config.labels.length,
  });
  const seed = tf.tensor1d([123457], 'int32');
  const weights = [...adapter.weights.values()];
  const { value, grads } = tf.variableGrads(
    () =>
      model
        .forward(ref.inputs, { hooks: adapter.hooks, training: true, dropoutSeed: seed })
        .logits.square()
        .mean() as tf.Scalar,
    weights,
  );
  const out = {
    loss: (await value.data())[0] ?? NaN,
    grads: await Promise.all(weights.map(async (w) => Array.from(await (grads[w.name] as tf.Tensor).data()))),
  };
  tf.dispose([value, seed, ...Object.values(grads)]);
  adapter.dispose();
  ref.dispose();
  model.dispose();
  delete process.env.STUDIO_FUSED_ATTENTION;
  return out;
}

describe.skipIf(unavailable !== null)('training with attention dropout through the fused kernels', () => {
  it.each(['bert-seqcls', 'gpt2-lm'])(
    '%s: the loss and LoRA gradients of the composed form',
    async (fixture) => {
      const fused = await lossAndGrads(fixture, true);
      const composed = await lossAndGrads(fixture, false);
      expect(Math.abs(fused.loss - composed.loss) / Math.abs(composed.loss)).toBeLessThan(1e-5);
      expect(fused.grads.length).toBeGreaterThan(0);
      fused.grads.forEach((g, i) => expect(relErr(g, composed.grads[i] ?? [])).toBeLessThan(1e-5));
    },
  );
});
