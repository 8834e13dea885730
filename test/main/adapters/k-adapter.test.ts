/**
 * K-Adapter beyond the method matrix's single-adapter rows: combining trained knowledge adapters trains only the
 * new head (the base and the knowledge adapters stay bit-identical), the head reads every adapter's feature, the
 * saved combination loads without the folders it came from, and misuse fails with one line. The combination head
 * reads each adapter's learned part, layer-normalised: an adapter that learned nothing adds nothing, an adapter's
 * scale does not matter, and combinations saved before (reading the outputs) still load and answer as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../src-shared/train-config.ts';
import {
  accountParams,
  baseIdentity,
  createAdapter,
  loadAdapter,
  saveAdapter,
} from '../../../src-main/adapters/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model, ModelInputs } from '../../../src-main/models/index.ts';
import { readSafetensors, writeSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { STUDIO_WEIGHTS_FILE } from '../../../src-main/node-shared/adapter-folder.ts';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-kadapter-');
let model: Model;
let ref: ReturnType<typeof loadReference>;
/** A combination's config (the width options are the knowledge adapters' own, unused here). */
const combine = (dirs: string[]): MethodConfig => ({
  type: 'k-adapter',
  knowledge: dirs,
  adapterSize: 64,
  transformerLayers: 2,
  heads: 4,
});
const knowledge: MethodConfig = {
  type: 'k-adapter',
  layers: [0, 1],
  adapterSize: 8,
  transformerLayers: 1,
  heads: 2,
};

beforeAll(async () => {
  await useTestBackend();
  model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
  ref = loadReference(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
});
afterAll(() => {
  ref.dispose();
  model.dispose();
  tmp.cleanup();
});

const logits = (inputs: ModelInputs, hooks = {}) => tf.tidy(() => model.forward(inputs, { hooks }).logits);

/** One optimizer step on a random objective over the adapter's trainable weights. */
function step(adapter: ReturnType<typeof createAdapter>, seed: number): void {
  const trainable = new Map<string, tf.Variable>(adapter.weights);
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const out = model.forward(ref.inputs, { hooks: adapter.hooks, training: true }).logits;
        return out.mul(tf.randomUniform(out.shape, -1, 1, 'float32', seed)).sum() as tf.Scalar;
      }),
    [...trainable.values()],
  );
  const opt = new AdamW();
  opt.apply(trainable, new Map([...trainable].map(([n, v]) => [n, grads[v.name] as tf.Tensor])), 1e-2);
  tf.dispose([value, ...Object.values(grads)]);
  opt.dispose();
}

/** A knowledge adapter trained one step and saved; returns its folder. */
async function trainedKnowledge(
  name: string,
  seed: number,
  config: MethodConfig = knowledge,
  edit?: (name: string, v: tf.Variable) => tf.Tensor,
): Promise<string> {
  const adapter = createAdapter(model, config, seed);
  step(adapter, seed);
  if (edit)
    for (const [n, v] of adapter.weights) {
      const t = edit(n, v);
      v.assign(t);
      t.dispose();
    }
  const dir = path.join(tmp.dir, name, 'adapter');
  const { type: _t, ...rest } = config;
  await saveAdapter(model, adapter, rest, dir, baseIdentity(model));
  adapter.dispose();
  return dir;
}

const data = async (adapter: { weights: ReadonlyMap<string, tf.Variable> }) =>
  new Map(
    await Promise.all(
      [...adapter.weights].map(async ([n, v]) => [n, Float32Array.from(await v.data())] as const),
    ),
  );

describe('K-Adapter: combining knowledge adapters', () => {
  it('trains only the new head over [encoder; both features]; saves and loads without the source folders', async () => {
    const a = await trainedKnowledge('a', 1);
    const b = await trainedKnowledge('b', 2, { ...knowledge, layers: [1], adapterSize: 4 } as MethodConfig);
    const aBefore = await data(loadAdapter(model, a));
    const combo = createAdapter(model, combine([a, b]), 5);
    const H = model.config.hiddenSize;
    const L = model.config.labels.length;
    // The head reads three features of width H at the first token: 3H x H + H, then H x labels + labels, and
    // normalises each adapter's part (scale and shift, 2H each).
    expect([...combo.weights.keys()].every((n) => n.startsWith('k_adapter.head.'))).toBe(true);
    expect(accountParams(model, combo).trainable).toBe(3 * H * H + H + (H + 1) * L + 2 * 2 * H);
    // Each adapter's normalised part starts at scale 1/2, so both together have one adapter's L1 norm.
    const scale = await combo.weights.get('k_adapter.head.norm.1.weight')?.data();
    expect(maxAbsDiff(scale ?? [], new Array<number>(H).fill(0.5))).toBeLessThan(1e-7);

    const numTensors = tf.memory().numTensors;
    const before = logits(ref.inputs, combo.hooks);
    before.dispose();
    expect(tf.memory().numTensors).toBe(numTensors);
    step(combo, 9);
    expect(tf.memory().numTensors).toBe(numTensors);
    const stepped = logits(ref.inputs, combo.hooks);
    // The knowledge adapter's weights, read from its folder again, are what they were.
    const reloadedA = loadAdapter(model, a);
    const aAfter = await data(reloadedA);
    reloadedA.dispose();
    for (const [n, v] of aBefore) expect(maxAbsDiff(aAfter.get(n) ?? [], v)).toBe(0);

    const saved = path.join(tmp.dir, 'combo', 'adapter');
    await saveAdapter(model, combo, { knowledge: [a, b] }, saved, baseIdentity(model));
    const meta = JSON.parse(fs.readFileSync(path.join(saved, 'studio_adapter.json'), 'utf8')) as {
      config: { sources?: { method: string }[]; knowledge?: unknown };
    };
    expect(meta.config.knowledge).toBeUndefined();
    expect(meta.config.sources?.map((s) => s.method)).toEqual(['k-adapter', 'k-adapter']);
    fs.rmSync(path.join(tmp.dir, 'a'), { recursive: true });
    fs.rmSync(path.join(tmp.dir, 'b'), { recursive: true });
    const loaded = loadAdapter(model, saved);
    const again = logits(ref.inputs, loaded.hooks);
    expect(maxAbsDiff(await again.data(), await stepped.data())).toBe(0);
    // Dropping a knowledge adapter's contribution changes the answer: the head reads both features.
    const withoutB = createAdapter(model, combine([await trainedKnowledge('a2', 1)]), 5);
    expect(withoutB.weights.get('k_adapter.head.dense.weight')?.shape).toEqual([2 * H, H]);
    tf.dispose([stepped, again]);
    loaded.dispose();
    withoutB.dispose();
    combo.dispose();
  });

  it('an adapter that learned nothing adds nothing to the combined head, and its scale does not matter', async () => {
    const H = model.config.hiddenSize;
    const a = await trainedKnowledge('s-a', 1);
    const one = { ...knowledge, layers: [1] } as MethodConfig;
    // One adapter layer, so its learned part is its up-projection: scaling (or zeroing) that scales it exactly.
    const scaled = async (name: string, factor: number) =>
      trainedKnowledge(name, 2, one, (n, v) => (n.includes('.up.') ? v.mul(factor) : v.clone()));
    const [b, b10, b0] = [await scaled('s-b', 1), await scaled('s-b10', 10), await scaled('s-b0', 0)];
    const out = async (dirs: string[], edit?: (n: string, v: tf.Variable) => void) => {
      const combo = createAdapter(model, combine(dirs), 5);
      if (edit) for (const [n, v] of combo.weights) edit(n, v);
      const t = logits(ref.inputs, combo.hooks);
      const values = Float32Array.from(await t.data());
      tf.dispose(t);
      combo.dispose();
      return values;
    };
    // Same head seed, same head: only b's learned part differs, by a factor of 10.
    expect(maxAbsDiff(await out([a, b10]), await out([a, b]))).toBeLessThan(1e-4);
    // b's output is the encoder's hidden state plus nothing: the head over [encoder; a; b] with b's rows kept
    // answers as the head over [encoder; a] with the same other weights.
    const withZero = createAdapter(model, combine([a, b0]), 5);
    const dense = withZero.weights.get('k_adapter.head.dense.weight') as tf.Variable;
    const kept = dense.slice([0, 0], [2 * H, H]);
    const expected = await out([a], (n, v) => {
      if (n === 'k_adapter.head.dense.weight') v.assign(kept);
      else v.assign(withZero.weights.get(n) as tf.Variable);
    });
    kept.dispose();
    const t = logits(ref.inputs, withZero.hooks);
    expect(maxAbsDiff(await t.data(), expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out([a, b]), expected)).toBeGreaterThan(1e-3);
    tf.dispose(t);
    withZero.dispose();
  });

  it('a combination saved before the head had norms loads and reads the adapters’ outputs', async () => {
    const a = await trainedKnowledge('l-a', 1);
    const combo = createAdapter(model, combine([a]), 5);
    const saved = path.join(tmp.dir, 'legacy', 'adapter');
    await saveAdapter(model, combo, { knowledge: [a] }, saved, baseIdentity(model));
    combo.dispose();
    // As it was written before: no norms; here with a's own head, so it must answer exactly as a alone does.
    const file = path.join(saved, STUDIO_WEIGHTS_FILE);
    const { tensors, metadata } = readSafetensors(file, (n) => !n.startsWith('k_adapter.head.norm.'));
    for (const [n, t] of readSafetensors(path.join(a, STUDIO_WEIGHTS_FILE)).tensors)
      if (n.startsWith('k_adapter.head.')) tensors.set(n, t);
    writeSafetensors(file, tensors, metadata);
    const legacy = loadAdapter(model, saved);
    const alone = loadAdapter(model, a);
    const [l, r] = [logits(ref.inputs, legacy.hooks), logits(ref.inputs, alone.hooks)];
    expect(maxAbsDiff(await l.data(), await r.data())).toBe(0);
    tf.dispose([l, r]);
    legacy.dispose();
    alone.dispose();
  });

  it('refuses what it cannot do, in one line', async () => {
    expect(() => createAdapter(model, { ...knowledge, layers: [0, 7] } as MethodConfig, 1)).toThrow(
      /layer 7 does not exist/,
    );
    expect(() => createAdapter(model, { ...knowledge, layers: [1, 0] } as MethodConfig, 1)).toThrow(
      /increasing order/,
    );
    expect(() => createAdapter(model, { ...knowledge, adapterSize: 6, heads: 4 } as MethodConfig, 1)).toThrow(
      /not divisible by 4 heads/,
    );
    const lora = path.join(tmp.dir, 'lora', 'adapter');
    const l = createAdapter(model, { type: 'lora', r: 2, alpha: 4, dropout: 0, rslora: false }, 1);
    await saveAdapter(model, l, { r: 2, alpha: 4, dropout: 0, rslora: false }, lora, baseIdentity(model));
    l.dispose();
    expect(() => createAdapter(model, combine([lora]), 1)).toThrow(/not a trained knowledge adapter/);
    const gpt2 = loadModel(path.join(HF_TINY_DIR, 'gpt2-lm', 'base'));
    expect(() => createAdapter(gpt2, knowledge, 1)).toThrow(
      /needs an encoder classifier \(BERT, DistilBERT, RoBERTa\); this is a gpt2/,
    );
    gpt2.dispose();
  });
});
