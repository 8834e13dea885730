/**
 * CLIP on the webgpu backend (lavapipe, Mesa's CPU Vulkan driver, where no GPU is present): logits_per_image and
 * logits_per_text within 1e-4 of transformers on test/fixtures/clip-ref, base and with the PEFT LoRA on both
 * towers, as clip-reference.test.ts checks on wasm. Skipped, with the reason, where WebGPU cannot start.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`CLIP webgpu tests skipped: ${unavailable}`);

const CLIP_DIR = path.join(OWN_FIXTURES_DIR, 'clip-ref/clip');
let model: Model | undefined;
afterAll(() => model?.dispose());

/** The fixture's inputs and transformers' two similarity matrices from `dir`'s reference.safetensors. */
function reference(dir: string) {
  const ref = readSafetensors(path.join(dir, 'reference.safetensors')).tensors;
  const get = (n: string) => {
    const r = ref.get(n);
    if (!r) throw new Error(`${dir}: reference has no ${n}`);
    return r;
  };
  const t = (n: string, dtype: 'int32' | 'float32'): tf.Tensor => tf.tensor(get(n).data, get(n).shape, dtype);
  const inputs = {
    inputIds: t('input_ids', 'int32') as tf.Tensor2D,
    attentionMask: t('attention_mask', 'int32') as tf.Tensor2D,
    pixelValues: t('pixel_values', 'float32') as tf.Tensor4D,
  };
  return { get, inputs, dispose: () => tf.dispose(Object.values(inputs)) };
}

describe.skipIf(unavailable !== null)('CLIP on webgpu matches transformers', () => {
  it.each([
    ['base', 'base', false],
    ['with the PEFT LoRA on both towers', 'lora', true],
  ])('%s: logits_per_image and logits_per_text within 1e-4', async (_label, fixture, lora) => {
    expect(tf.getBackend()).toBe('webgpu');
    model ??= loadModel(path.join(CLIP_DIR, 'base'));
    const adapter = lora ? loadAdapter(model, path.join(CLIP_DIR, 'lora')) : null;
    const ref = reference(path.join(CLIP_DIR, fixture));
    const out = model.forward(ref.inputs, adapter ? { hooks: adapter.hooks } : {});
    for (const name of ['logits_per_image', 'logits_per_text'] as const) {
      const ours = out.extra?.[name] as tf.Tensor;
      expect(ours.shape, name).toEqual(ref.get(name).shape);
      expect(maxAbsDiff(await ours.data(), ref.get(name).data), name).toBeLessThanOrEqual(1e-4);
    }
    tf.dispose([out.logits, ...Object.values(out.extra ?? {})]);
    adapter?.dispose();
    ref.dispose();
  });
});
