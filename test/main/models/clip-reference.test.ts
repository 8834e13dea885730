/**
 * CLIP (models/clip) against transformers' CLIPModel on test/fixtures/clip-ref (made by make_clip_fixtures.py):
 * both towers' outputs, the similarity logits both ways, the PEFT LoRA on both towers, and tensor hygiene.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { architectureOf } from '../../../src-main/models/architectures.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { ForwardHooks, Model, ModelOutputs } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);

const CLIP_DIR = path.join(OWN_FIXTURES_DIR, 'clip-ref/clip');
const OUTPUTS = [
  'logits_per_image',
  'logits_per_text',
  'text_embeds',
  'image_embeds',
  'text_last_hidden_state',
  'vision_last_hidden_state',
] as const;

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

const allOutputs = (out: ModelOutputs) => [out.logits, ...Object.values(out.extra ?? {})];

async function expectMatches(out: ModelOutputs, ref: ReturnType<typeof reference>): Promise<void> {
  const mask = ref.get('attention_mask').data;
  for (const name of OUTPUTS) {
    const ours = out.extra?.[name];
    expect(ours, name).toBeDefined();
    const want = ref.get(name);
    expect(ours?.shape, name).toEqual(want.shape);
    // Padded text positions are compared too: transformers computes them under the same causal mask.
    const diff = maxAbsDiff(
      await (ours as tf.Tensor).data(),
      want.data,
      name.startsWith('text_last') ? mask : undefined,
    );
    expect(diff, name).toBeLessThanOrEqual(1e-4);
  }
  expect(out.logits).toBe(out.extra?.logits_per_image);
}

describe('CLIP matches transformers', () => {
  let model: Model;
  beforeAll(() => {
    model = loadModel(path.join(CLIP_DIR, 'base'));
  });
  afterAll(() => model.dispose());

  it('reads every weight of the CLIPModel folder and declares its outputs', () => {
    expect(model.params.unexpected).toEqual([]);
    expect(model.config.inputKind).toBe('image-text');
    expect(architectureOf('clip').outputs).toEqual([...OUTPUTS]);
  });

  it('gives logits_per_image/text, normalised embeddings and both hidden states within 1e-4', async () => {
    const ref = reference(path.join(CLIP_DIR, 'base'));
    const out = model.forward(ref.inputs);
    await expectMatches(out, ref);
    tf.dispose(allOutputs(out));
    ref.dispose();
  });

  it('runs either tower alone: the same embeddings as with both', async () => {
    const ref = reference(path.join(CLIP_DIR, 'base'));
    const text = model.forward({ inputIds: ref.inputs.inputIds, attentionMask: ref.inputs.attentionMask });
    const image = model.forward({ pixelValues: ref.inputs.pixelValues });
    expect(maxAbsDiff(await text.logits.data(), ref.get('text_embeds').data)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(await image.logits.data(), ref.get('image_embeds').data)).toBeLessThanOrEqual(1e-4);
    expect(text.extra?.logits_per_text).toBeUndefined();
    tf.dispose([...allOutputs(text), ...allOutputs(image)]);
    ref.dispose();
  });

  it('a forward pass adds only its outputs to tf.memory().numTensors', () => {
    const ref = reference(path.join(CLIP_DIR, 'base'));
    const before = tf.memory().numTensors;
    for (const training of [false, true]) {
      const out = model.forward(ref.inputs, { training, dropoutSeed: 3 });
      const outputs = new Set(allOutputs(out));
      expect(outputs.size).toBe(OUTPUTS.length);
      expect(tf.memory().numTensors).toBe(before + outputs.size);
      tf.dispose([...outputs]);
      expect(tf.memory().numTensors).toBe(before);
    }
    ref.dispose();
  });

  it('sends q_proj and v_proj of both towers (and the patch convolution) through the hooks', () => {
    const seen: string[] = [];
    const hooks: ForwardHooks = {
      linear: (name, x, base) => (seen.push(name), base(x)),
      conv2d: (name, x, base) => (seen.push(name), base(x)),
    };
    const ref = reference(path.join(CLIP_DIR, 'base'));
    tf.dispose(allOutputs(model.forward(ref.inputs, { hooks })));
    ref.dispose();
    for (const tower of ['text_model', 'vision_model'])
      for (const p of ['q_proj', 'v_proj'])
        expect(seen).toContain(`${tower}.encoder.layers.1.self_attn.${p}`);
    expect(seen).toContain('vision_model.embeddings.patch_embedding');
  });
});

describe('CLIP text pooling by eos_token_id', () => {
  const tmp = tempDir('clip-eos-');
  afterAll(() => tmp.cleanup());
  const withEos = (eos: number) => {
    const dir = path.join(tmp.dir, `eos-${eos}`);
    fs.cpSync(path.join(CLIP_DIR, 'base'), dir, { recursive: true });
    const file = path.join(dir, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { text_config: Record<string, unknown> };
    config.text_config.eos_token_id = eos;
    fs.writeFileSync(file, JSON.stringify(config));
    return loadModel(dir);
  };

  it('pools at the highest id for the legacy eos id 2 (the end token 98 is the highest id here)', async () => {
    const ref = reference(path.join(CLIP_DIR, 'base'));
    for (const [eos, same] of [
      [2, true],
      [97, false],
    ] as const) {
      const model = withEos(eos);
      const out = model.forward({ inputIds: ref.inputs.inputIds, attentionMask: ref.inputs.attentionMask });
      const diff = maxAbsDiff(await out.logits.data(), ref.get('text_embeds').data);
      if (same) expect(diff, `eos ${eos}`).toBeLessThanOrEqual(1e-4);
      else expect(diff, `eos ${eos}`).toBeGreaterThan(1e-3);
      tf.dispose(allOutputs(out));
      model.dispose();
    }
    ref.dispose();
  });
});

describe('CLIP + the PEFT LoRA on both towers', () => {
  let model: Model;
  beforeAll(() => {
    model = loadModel(path.join(CLIP_DIR, 'base'));
  });
  afterAll(() => model.dispose());

  it('loads through the PEFT import and matches transformers + PEFT within 1e-4, unmerged and merged', async () => {
    const dir = path.join(CLIP_DIR, 'lora');
    const ref = reference(dir);
    const adapter = loadAdapter(model, dir);
    const out = model.forward(ref.inputs, { hooks: adapter.hooks });
    await expectMatches(out, ref);
    tf.dispose(allOutputs(out));
    await adapter.merge?.();
    const merged = model.forward(ref.inputs, { hooks: adapter.hooks });
    await expectMatches(merged, ref);
    tf.dispose(allOutputs(merged));
    adapter.dispose();
    // Detached (unmerged): the base outputs again, which the LoRA changes.
    const base = reference(path.join(CLIP_DIR, 'base'));
    const after = model.forward(base.inputs);
    await expectMatches(after, base);
    expect(
      maxAbsDiff(await (after.extra?.logits_per_image as tf.Tensor).data(), ref.get('logits_per_image').data),
    ).toBeGreaterThan(1e-3);
    tf.dispose(allOutputs(after));
    base.dispose();
    ref.dispose();
  });
});
