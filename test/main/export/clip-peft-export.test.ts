/**
 * A CLIP LoRA exported in PEFT's format (test/bench/clip-peft, made by make-clip-peft.ts; PEFT itself checks it
 * with check_clip_peft_export.py on a machine with torch): the files are laid out and named as PEFT's
 * CLIPModel wrapper names them, the studio's PEFT importer reads the export back to exactly the outputs the studio
 * saved, and the folder is what the generator makes today (same seed, same bytes).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { makeClipPeft } from '../../bench/clip-peft/make-clip-peft.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { CLIP_FIXTURE_DIR } from '../../helpers/clip-folder.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const DIR = path.join(REPO_ROOT, 'test/bench/clip-peft');
const EXPORT = path.join(DIR, 'peft-export');
const tensorsOf = (file: string) => readSafetensors(file).tensors;
const tmp = tempDir('clip-peft-');
afterAll(() => tmp.cleanup());

describe('CLIP LoRA in PEFT format', () => {
  it('writes adapter_config.json as PEFT does for CLIPModel (no task type, auto_mapping, q_proj/v_proj)', () => {
    const config = JSON.parse(fs.readFileSync(path.join(EXPORT, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      peft_type: 'LORA',
      task_type: null,
      modules_to_save: null,
      target_modules: ['q_proj', 'v_proj'],
      r: 4,
      lora_alpha: 8,
      fan_in_fan_out: false,
      auto_mapping: {
        base_model_class: 'CLIPModel',
        parent_library: 'transformers.models.clip.modeling_clip',
      },
      base_model_name_or_path: 'test/bench/clip-peft/base',
    });
  });

  it('has every key PEFT 0.21 wrote for its own CLIP LoRA (test/fixtures/clip-ref/clip/lora), with the same values', () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const ours = read(path.join(EXPORT, 'adapter_config.json'));
    const peft = read(path.join(CLIP_FIXTURE_DIR, 'lora/adapter_config.json'));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(peft).sort());
    // Where the base lives, and PEFT's fixture's non-default init (it perturbed lora_B itself), differ by design.
    const { base_model_name_or_path: _a, init_lora_weights: _b, ...same } = peft;
    for (const [key, value] of Object.entries(same)) expect(ours[key], key).toEqual(value);
  });

  it('names every tensor as PEFT does: both towers, every layer, q_proj and v_proj, A [r, in] and B [out, r]', () => {
    const tensors = tensorsOf(path.join(EXPORT, 'adapter_model.safetensors'));
    const want: string[] = [];
    for (const tower of ['text_model', 'vision_model'])
      for (const layer of [0, 1])
        for (const proj of ['q_proj', 'v_proj'])
          for (const ab of ['A', 'B'])
            want.push(
              `base_model.model.${tower}.encoder.layers.${layer}.self_attn.${proj}.lora_${ab}.weight`,
            );
    expect([...tensors.keys()].sort()).toEqual(want.sort());
    for (const [name, t] of tensors) {
      expect(t.shape, name).toEqual(name.includes('lora_A') ? [4, 32] : [32, 4]);
      // Trained: every lora_B left its zero start, or the check against PEFT would compare the base with itself.
      if (name.includes('lora_B'))
        expect(Math.max(...Array.from(t.data as Float32Array, Math.abs)), name).toBeGreaterThan(1e-3);
    }
  });

  it('reads back through the studio PEFT importer to exactly the outputs the studio saved', async () => {
    const inputs = tensorsOf(path.join(DIR, 'inputs.safetensors'));
    const saved = tensorsOf(path.join(DIR, 'studio_outputs.safetensors'));
    const t = (n: string, dtype: 'int32' | 'float32') => {
      const r = inputs.get(n);
      if (!r) throw new Error(`inputs.safetensors has no ${n}`);
      return tf.tensor(r.data, r.shape, dtype);
    };
    const model = loadModel(path.join(DIR, 'base'));
    const adapter = loadAdapter(model, EXPORT);
    const batch = {
      inputIds: t('input_ids', 'int32') as tf.Tensor2D,
      attentionMask: t('attention_mask', 'int32') as tf.Tensor2D,
      pixelValues: t('pixel_values', 'float32') as tf.Tensor4D,
    };
    const out = model.forward(batch, { hooks: adapter.hooks });
    const base = model.forward(batch);
    for (const name of ['logits_per_image', 'logits_per_text']) {
      const ours = Array.from(await (out.extra?.[name] as tf.Tensor).data());
      expect(ours, name).toEqual(Array.from(saved.get(name)?.data ?? []));
      // The adapter matters: without it the logits differ.
      expect(Array.from(await (base.extra?.[name] as tf.Tensor).data())).not.toEqual(ours);
    }
    tf.dispose([
      out.logits,
      ...Object.values(out.extra ?? {}),
      base.logits,
      ...Object.values(base.extra ?? {}),
    ]);
    tf.dispose(Object.values(batch));
    adapter.dispose();
    model.dispose();
  });

  it('is what make-clip-peft.ts makes today: a LoRA trained on wasm and exported, the same bytes', async () => {
    await makeClipPeft(tmp.dir);
    for (const f of [
      'inputs.safetensors',
      'studio_outputs.safetensors',
      'peft-export/adapter_model.safetensors',
      'base/model.safetensors',
    ])
      expect(fs.readFileSync(path.join(tmp.dir, f)).equals(fs.readFileSync(path.join(DIR, f))), f).toBe(true);
    const config = (dir: string) =>
      JSON.parse(fs.readFileSync(path.join(dir, 'peft-export/adapter_config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    // Only the base's path differs: it points at the folder the generator wrote.
    expect({ ...config(tmp.dir), base_model_name_or_path: null }).toEqual({
      ...config(DIR),
      base_model_name_or_path: null,
    });
  }, 180_000);
});
