/**
 * The LoRA variants PEFT has (DoRA, VeRA), one row each per model: saved in PEFT's format and loaded back from it
 * alone, and folded by an independent float64 implementation of PEFT's merge written from PEFT's definition, which
 * must give the logits of the adapter's forward pass. With the PEFT fixtures (test/fixtures/peft-variants, made by
 * make_peft_variants.py), `studio predict` and `studio merge` must give PEFT's logits within 1e-4.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/methods.ts';
import {
  baseIdentity,
  createAdapter,
  loadAdapter,
  readAdapterFolder,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../src-main/engine/safetensors/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

/** PEFT's merged weight for one target, from adapter_model.safetensors' tensors (torch layouts), in float64. */
type Fold = (
  module: string,
  w: Float64Array,
  shape: [number, number],
  peft: ReadonlyMap<string, RawTensor>,
  config: Record<string, unknown>,
) => Float64Array;

const at = (peft: ReadonlyMap<string, RawTensor>, name: string): RawTensor => {
  const t = peft.get(name);
  if (!t) throw new Error(`adapter_model.safetensors has no ${name}`);
  return t;
};

/** torch B [out, r] @ A [r, in], as [in, out] like our weights. */
function lowRank(a: RawTensor, b: RawTensor, inF: number, outF: number): Float64Array {
  const r = a.shape[0] as number;
  const d = new Float64Array(inF * outF);
  for (let i = 0; i < inF; i++)
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += (b.data[o * r + k] as number) * (a.data[k * inF + i] as number);
      d[i * outF + o] = s;
    }
  return d;
}

/** DoRA (PEFT lora/layer.py merge): W' = m / ‖W + s·B·A‖_row ⊙ (W + s·B·A), per output feature. */
const foldDora: Fold = (module, w, [inF, outF], peft, config) => {
  const p = `base_model.model.${module}`;
  const r = Number(config.r);
  const s = config.use_rslora ? Number(config.lora_alpha) / Math.sqrt(r) : Number(config.lora_alpha) / r;
  const d = lowRank(at(peft, `${p}.lora_A.weight`), at(peft, `${p}.lora_B.weight`), inF, outF);
  const m = at(peft, `${p}.lora_magnitude_vector`).data;
  const out = new Float64Array(w.length);
  for (let o = 0; o < outF; o++) {
    let norm = 0;
    for (let i = 0; i < inF; i++)
      norm += ((w[i * outF + o] as number) + s * (d[i * outF + o] as number)) ** 2;
    const f = (m[o] as number) / Math.sqrt(norm);
    for (let i = 0; i < inF; i++)
      out[i * outF + o] = f * ((w[i * outF + o] as number) + s * (d[i * outF + o] as number));
  }
  return out;
};

/**
 * VeRA (PEFT vera/layer.py get_delta_weight): W' = W + (λb ⊙ B[:out]) · (λd ⊙ A[:, :in]), with the shared
 * projections sliced to the layer's shape.
 */
const foldVera: Fold = (module, w, [inF, outF], peft) => {
  const p = `base_model.model.${module}`;
  const a = at(peft, 'base_model.vera_A');
  const b = at(peft, 'base_model.vera_B');
  const [r, maxIn] = a.shape as [number, number];
  const lb = at(peft, `${p}.vera_lambda_b`).data;
  const ld = at(peft, `${p}.vera_lambda_d`).data;
  const out = Float64Array.from(w);
  for (let i = 0; i < inF; i++)
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let k = 0; k < r; k++)
        s += (b.data[o * r + k] as number) * (ld[k] as number) * (a.data[k * maxIn + i] as number);
      out[i * outF + o] = (out[i * outF + o] as number) + (lb[o] as number) * s;
    }
  return out;
};

/** One row per method and model: the method block, its PEFT peft_type and the float64 fold. */
const ROWS: [string, string, MethodConfig, string, Fold][] = [
  ['dora', 'bert-seqcls', { type: 'dora', r: 4, alpha: 8, dropout: 0, rslora: false }, 'LORA', foldDora],
  ['dora', 'gpt2-lm', { type: 'dora', r: 4, alpha: 8, dropout: 0, rslora: false }, 'LORA', foldDora],
  ['dora', 'llama-lm', { type: 'dora', r: 2, alpha: 4, dropout: 0, rslora: true }, 'LORA', foldDora],
  ['vera', 'bert-seqcls', { type: 'vera', r: 8, dInitial: 0.1, dropout: 0 }, 'VERA', foldVera],
  ['vera', 'gpt2-lm', { type: 'vera', r: 8, dInitial: 0.1, dropout: 0 }, 'VERA', foldVera],
  ['vera', 'llama-lm', { type: 'vera', r: 8, dInitial: 0.1, dropout: 0 }, 'VERA', foldVera],
];

const PEFT_VARIANTS = path.join(OWN_FIXTURES_DIR, 'peft-variants');
const tmp = tempDir('studio-peft-variants-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

const logitsOf = (model: Model, inputs: Parameters<Model['forward']>[0], hooks = {}) =>
  tf.tidy(() => model.forward(inputs, { hooks }).logits);

describe.each(ROWS)('%s on %s', (kind, fixture, method, peftType, fold) => {
  let model: Model;
  let ref: ReturnType<typeof loadReference>;
  beforeAll(() => {
    model = loadModel(path.join(HF_TINY_DIR, fixture, 'base'));
    ref = loadReference(path.join(HF_TINY_DIR, fixture, 'base'));
  });
  afterAll(() => {
    ref.dispose();
    model.dispose();
  });

  it("saves PEFT's files alone, which load back exactly and fold (PEFT's merge, float64) to the same logits", async () => {
    const adapter = createAdapter(model, method, 5);
    // Trained-looking weights: every adapter tensor moved off its initial value (the head stays the model's).
    let seed = 100;
    for (const [name, v] of adapter.weights)
      if (!model.params.has(name))
        tf.tidy(() => v.assign(v.add(tf.randomNormal(v.shape, 0, 0.1, 'float32', seed++))));
    const adapted = logitsOf(model, ref.inputs, adapter.hooks);
    const dir = path.join(tmp.dir, `${kind}-${fixture}`);
    const { type: _t, ...config } = method;
    await saveAdapter(model, adapter, config, dir, baseIdentity(model));
    fs.rmSync(path.join(dir, 'studio_adapter.json'));
    fs.rmSync(path.join(dir, 'adapter.safetensors'));
    const peftConfig = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(peftConfig.peft_type).toBe(peftType);

    const loaded = loadAdapter(model, dir);
    expect(loaded.method).toBe(kind);
    const again = logitsOf(model, ref.inputs, loaded.hooks);
    expect(maxAbsDiff(await again.data(), await adapted.data())).toBeLessThanOrEqual(1e-6);

    // Fold each target into a copy of its weight with the reference formula, run the plain model, restore.
    const peft = readSafetensors(path.join(dir, 'adapter_model.safetensors')).tensors;
    const targets = new Set(
      [...peft.keys()]
        .map((n) => /^base_model\.model\.(.*)\.(lora_A\.weight|vera_lambda_b)$/.exec(n)?.[1])
        .filter((m): m is string => m !== undefined),
    );
    expect(targets.size).toBeGreaterThan(0);
    const saved = new Map<string, Float32Array>();
    for (const module of targets) {
      const p = model.params.get(`${module}.weight`);
      const w = Float32Array.from(await p.data());
      saved.set(module, w);
      const folded = fold(module, Float64Array.from(w), p.shape as [number, number], peft, peftConfig);
      p.assign(tf.tensor(Float32Array.from(folded), p.shape));
    }
    // The head copy equals the model's own head (it was not moved), so the plain model is base + folded targets.
    const merged = logitsOf(model, ref.inputs);
    for (const [module, w] of saved)
      model.params.get(`${module}.weight`).assign(tf.tensor(w, model.params.get(`${module}.weight`).shape));
    expect(maxAbsDiff(await merged.data(), await adapted.data())).toBeLessThanOrEqual(1e-4);

    // The same through the CLI: `studio predict` with the PEFT folder, and `studio merge` then predict (on one model
    // per method: each CLI call starts a process; the PEFT fixtures below cover every model).
    if (fixture !== 'gpt2-lm') {
      tf.dispose([adapted, again, merged]);
      loaded.dispose();
      adapter.dispose();
      return;
    }
    const base = path.join(HF_TINY_DIR, fixture, 'base');
    const want = {
      data: await adapted.data(),
      mask: ref.mask,
      inputs: path.join(base, 'reference.safetensors'),
    };
    expect(predictDiff(base, want, dir)).toBeLessThanOrEqual(1e-5);
    const mergedDir = path.join(tmp.dir, `${kind}-${fixture}-cli-merged`);
    const m = studio(['merge', '--model', base, '--adapter', dir, '--out', mergedDir]);
    expect(m.status, m.stderr).toBe(0);
    expect(predictDiff(mergedDir, want)).toBeLessThanOrEqual(1e-4);
    tf.dispose([adapted, again, merged]);
    loaded.dispose();
    adapter.dispose();
  });

  const variant = path.join(PEFT_VARIANTS, fixture, kind);
  describe.skipIf(!fs.existsSync(variant))('against PEFT (make_peft_variants.py)', () => {
    it("studio predict gives PEFT's logits within 1e-4; studio merge gives the merged model's", () => {
      const base = path.join(HF_TINY_DIR, fixture, 'base');
      expect(predictDiff(base, variant, variant)).toBeLessThanOrEqual(1e-4);
      const merged = path.join(tmp.dir, `${kind}-${fixture}-merged`);
      const m = studio(['merge', '--model', base, '--adapter', variant, '--out', merged]);
      expect(m.stderr).not.toMatch(/error/i);
      expect(m.status).toBe(0);
      expect(predictDiff(merged, `${variant}-merged`)).toBeLessThanOrEqual(1e-4);
    });

    it("saves PEFT's tensor names, shapes and config keys, and the values round-trip exactly", async () => {
      const adapter = loadAdapter(model, variant);
      const out = path.join(tmp.dir, `${kind}-${fixture}-resaved`);
      const config = JSON.parse(fs.readFileSync(path.join(variant, 'adapter_config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      await saveAdapter(model, adapter, readAdapterFolder(variant).config, out, baseIdentity(model));
      const tensors = (d: string) => readSafetensors(path.join(d, 'adapter_model.safetensors')).tensors;
      const ours = tensors(out);
      for (const [n, t] of tensors(variant))
        expect([n, ours.get(n)?.shape, ours.get(n)?.data]).toEqual([n, t.shape, t.data]);
      const keys = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(Object.keys(keys).sort()).toEqual(Object.keys(config).sort());
      adapter.dispose();
    });
  });
});

function studio(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/**
 * `studio predict`: the largest difference from `want`, a fixture folder's reference logits (on its inputs), or
 * logits computed here on the given inputs.
 */
function predictDiff(
  model: string,
  want: string | { data: ArrayLike<number>; mask?: ArrayLike<number>; inputs: string },
  adapter?: string,
): number {
  const out = path.join(tmp.dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  const inputs = typeof want === 'string' ? path.join(want, 'reference.safetensors') : want.inputs;
  const r = studio([
    'predict',
    '--model',
    model,
    ...(adapter ? ['--adapter', adapter] : []),
    '--inputs',
    inputs,
    '--output',
    out,
  ]);
  expect(r.status, r.stderr).toBe(0);
  const got = readSafetensors(out).tensors.get('logits');
  if (!got) throw new Error('no logits');
  if (typeof want !== 'string') return maxAbsDiff(got.data, want.data, want.mask);
  const ref = readSafetensors(inputs).tensors;
  const logits = ref.get('logits');
  if (!logits) throw new Error('no logits');
  expect(got.shape).toEqual(logits.shape);
  return maxAbsDiff(got.data, logits.data, ref.get('attention_mask')?.data);
}
