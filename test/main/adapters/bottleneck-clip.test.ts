/**
 * Bottleneck adapters (Houlsby, Pfeiffer) inside both of CLIP's towers, on the shipped studio-clip-small read as an
 * image classifier (its label prompts go through the text tower, the images through the vision tower, in one
 * forward pass): the sub-layer hook numbers the text tower's layers, then the vision tower's; a zero up-projection
 * leaves CLIP exactly as it is; one training step changes the logits through both towers' adapters; tensor
 * hygiene and an exact save/load round trip.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import { resolveModelDir } from '../../../src-main/models/default-model.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { ForwardHooks, Model, ModelInputs } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-bottleneck-clip-');
const LABELS = ['circle', 'square', 'triangle'];
let model: Model;
let inputs: ModelInputs;
beforeAll(async () => {
  await useTestBackend();
  model = loadModel(resolveModelDir('studio-clip-small'), {
    task: 'sequence-classification',
    labels: LABELS,
  });
  inputs = { pixelValues: tf.randomNormal([2, 3, 32, 32], 0, 1, 'float32', 3) as tf.Tensor4D };
});
afterAll(() => {
  tf.dispose(Object.values(inputs));
  model.dispose();
  tmp.cleanup();
});

function logits(hooks: ForwardHooks = {}): Promise<Float32Array> {
  const out = model.forward(inputs, { hooks }).logits;
  return out.data().then((d) => (out.dispose(), d as Float32Array));
}

describe('bottleneck adapters inside both CLIP towers', () => {
  it("numbers the text tower's layers, then the vision tower's: each tower's layer 0 is its own", () => {
    const seen = new Set<string>();
    const hooks: ForwardHooks = {
      sublayerOutput: (layer, kind, out) => (seen.add(`${layer}/${kind}/${out.shape[0]}`), out),
    };
    tf.tidy(() => void model.forward(inputs, { hooks }).logits.dispose());
    // 3 text layers on the 3 label prompts' tokens (3 x prompt length rows), then 4 vision layers on 2 images x
    // (8 x 8 patches + [CLS]) rows.
    const prompt = (model.config as { prompts?: { length: number } }).prompts?.length ?? 0;
    const want = [0, 1, 2, 3, 4, 5, 6].flatMap((layer) =>
      ['attention', 'ffn'].map((kind) => `${layer}/${kind}/${layer < 3 ? LABELS.length * prompt : 2 * 65}`),
    );
    expect([...seen].sort()).toEqual(want.sort());
  });

  it.each([
    ['houlsby', 2],
    ['pfeiffer', 1],
  ] as const)(
    '%s: one module per position of each tower, identity at init, exact save/load',
    async (variant, per) => {
      const config = bottleneck16(variant);
      const adapter = createAdapter(model, config, 5);
      const downs = [...adapter.weights.keys()].filter((n) => n.endsWith('.down.weight'));
      expect(downs).toHaveLength(7 * per);
      // Zero up-projections: CLIP exactly as it is.
      expect(maxAbsDiff(await logits(adapter.hooks), await logits())).toBe(0);

      const before = tf.memory().numTensors;
      const vars = [...adapter.weights.values()];
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const l = model.forward(inputs, { hooks: adapter.hooks, training: true }).logits;
            return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1], 'int32'), LABELS.length), l);
          }) as tf.Scalar,
        vars,
      );
      // Both towers' adapters learn: the text tower's (layers 0-2) and the vision tower's (3-6) get gradients.
      const upGrad = (layer: number) => {
        const g = grads[(adapter.weights.get(`adapters.${layer}.ffn.up.weight`) as tf.Variable).name];
        const total = tf.tidy(() => (g as tf.Tensor).abs().sum());
        const v = total.dataSync()[0] as number;
        total.dispose();
        return v;
      };
      expect(upGrad(0)).toBeGreaterThan(0);
      expect(upGrad(3)).toBeGreaterThan(0);
      tf.tidy(() => vars.forEach((w) => w.assign(w.sub((grads[w.name] as tf.Tensor).mul(0.5)))));
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      const trained = await logits(adapter.hooks);
      expect(maxAbsDiff(trained, await logits())).toBeGreaterThan(1e-4);

      const dir = path.join(tmp.dir, variant);
      const { type: _t, ...rest } = config;
      await saveAdapter(model, adapter, rest, dir, baseIdentity(model));
      const loaded = loadAdapter(model, dir);
      expect(maxAbsDiff(await logits(loaded.hooks), trained)).toBe(0);
      loaded.dispose();
      adapter.dispose();
    },
  );
});
