/**
 * A causal LM's training step on webgpu holds less GPU memory at its peak with the backward pass that frees as it
 * goes (engine/lean-gradients.ts) and the loss against class ids (engine/ops/cross-entropy.ts) than with
 * tf.variableGrads and tf.js's one-hot cross-entropy on a slice of the logits (what the step did before), with the
 * same loss and gradients. Peaks are the buffers tf.js's webgpu backend holds, sampled at every buffer it hands out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import { leanVariableGrads } from '../../../src-main/engine/lean-gradients.ts';
import { nextTokenLoss } from '../../../src-main/training/next-token-loss.ts';
import { GpuPeak } from '../../bench/gpu-peak.ts';
import { LORA_TARGETS, TINY_SHAPES, randomCausalLm } from '../../bench/causal-shapes.ts';
import type { CausalShape } from '../../bench/causal-shapes.ts';
import { relErr } from '../../helpers/grad-check.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu lean-step tests skipped: ${unavailable}`);
afterAll(() => tf.setBackend('cpu'));

/** The step's loss before: the logits sliced to the predicting positions, a float one-hot of the next ids. */
function oneHotLoss(logits: tf.Tensor, ids: tf.Tensor2D): tf.Scalar {
  const [rows, seq, vocab] = logits.shape as [number, number, number];
  const pred = logits.slice([0, 0, 0], [rows, seq - 1, vocab]).reshape([rows * (seq - 1), vocab]);
  const target = tf.oneHot(ids.slice([0, 1], [rows, seq - 1]).reshape([-1]) as tf.Tensor1D, vocab);
  return tf.losses.softmaxCrossEntropy(target, pred) as tf.Scalar;
}

async function step(shape: CausalShape, lean: boolean) {
  const model = randomCausalLm(shape);
  const adapter = createAdapter(
    model,
    { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false, targets: LORA_TARGETS[shape.arch] },
    3,
  );
  const [rows, seq] = [4, 64];
  const ids = tf.tensor2d(
    Array.from({ length: rows * seq }, (_, i) => (i * 37 + 11) % shape.vocab),
    [rows, seq],
    'int32',
  );
  await ids.data();
  const vars = [...adapter.weights.values()];
  const loss = () =>
    tf.tidy(() => {
      const { logits } = model.forward({ inputIds: ids }, { hooks: adapter.hooks, training: true });
      return lean
        ? nextTokenLoss(logits, ids.slice([0, 1], [rows, seq - 1]), tf.ones([rows, seq - 1]))
        : oneHotLoss(logits, ids);
    });
  const peak = new GpuPeak();
  peak.dropFreePool();
  const held = Number(peak.report().peakInUseMB);
  const { value, grads } = lean
    ? leanVariableGrads(loss, vars)
    : (tf.variableGrads(loss, vars) as { value: tf.Scalar; grads: Record<string, tf.Tensor> });
  const read = {
    value: (await value.data())[0] as number,
    grads: await Promise.all(vars.map(async (v) => Array.from(await (grads[v.name] as tf.Tensor).data()))),
  };
  const stepMB = Number(peak.report().peakInUseMB) - held;
  peak.dispose();
  tf.dispose([value, ...Object.values(grads), ids]);
  adapter.dispose();
  model.dispose();
  return { ...read, stepMB };
}

describe.skipIf(unavailable !== null)('a causal LM step on webgpu', () => {
  it.each(['gpt2-medium', 'llama-1b'] as const)(
    '%s stand-in: the same loss and gradients in at most 60% of the GPU memory',
    async (name) => {
      // The stand-in with a vocabulary 16x its hidden size, as GPT-2 medium's is 49x and Llama's 63x.
      const shape = { ...TINY_SHAPES[name], vocab: 1024 };
      const before = await step(shape, false);
      const now = await step(shape, true);
      expect(Math.abs(now.value - before.value) / before.value).toBeLessThan(1e-5);
      now.grads.forEach((g, i) => expect(relErr(g, before.grads[i] ?? [])).toBeLessThan(1e-4));
      console.log(
        `${name}: step held ${before.stepMB.toFixed(2)} MB before, ${now.stepMB.toFixed(2)} MB now`,
      );
      expect(now.stepMB).toBeLessThan(0.6 * before.stepMB);
    },
  );
});
