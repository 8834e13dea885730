import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import { readAdapterFolder } from '../../../src-main/adapters/io.ts';
import { mergeAdapterFolders } from '../../../src-main/lora-merge/folders.ts';
import { mergeOptionsSchema } from '../../../src-shared/merge.ts';
import type { MergeOptions } from '../../../src-shared/merge.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-merge-folders-');
afterAll(() => tmp.cleanup());

const BASE = path.join(HF_TINY_DIR, 'bert-seqcls', 'base');
const LORA = path.join(HF_TINY_DIR, 'bert-seqcls', 'lora');
const opts = (o: Partial<MergeOptions>): MergeOptions => mergeOptionsSchema.parse(o);
let n = 0;
const out = () => path.join(tmp.dir, `merged-${n++}`);

async function logitsWith(dir: string): Promise<Float32Array> {
  const model = loadModel(BASE);
  const ref = loadReference(LORA);
  const adapter = loadAdapter(model, dir);
  const logits = tf.tidy(() => model.forward(ref.inputs, { hooks: adapter.hooks }).logits);
  const data = (await logits.data()) as Float32Array;
  tf.dispose(logits);
  adapter.dispose();
  ref.dispose();
  model.dispose();
  return data;
}

const twice = [
  { dir: LORA, name: 'x' },
  { dir: LORA, name: 'x again' },
];

describe('mergeAdapterFolders on the hf-tiny BERT LoRA', () => {
  let expected: Float32Array;
  beforeAll(async () => {
    expected = await logitsWith(LORA);
  });

  it('linear of an adapter with itself at weights 1/4 gives the adapter back (sqrt of w·s on each factor)', async () => {
    const dir = out();
    const summary = await mergeAdapterFolders({
      model: BASE,
      sources: twice,
      options: opts({ type: 'linear', weights: [0.25, 0.25] }),
      out: dir,
    });
    expect(summary).toMatchObject({ rank: 4, alpha: 4, modules: 4 });
    expect(maxAbsDiff(await logitsWith(dir), expected)).toBeLessThanOrEqual(1e-5);
    // The merged adapter is saved as PEFT sets it: r = alpha = the new rank.
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect([cfg.r, cfg.lora_alpha, cfg.peft_type]).toEqual([4, 4, 'LORA']);
  });

  it('cat with weights [1, 0] is the first adapter exactly, at rank 8', async () => {
    const dir = out();
    const summary = await mergeAdapterFolders({
      model: BASE,
      sources: twice,
      options: opts({ type: 'cat', weights: [1, 0] }),
      out: dir,
    });
    expect(summary.rank).toBe(8);
    expect(maxAbsDiff(await logitsWith(dir), expected)).toBeLessThanOrEqual(1e-5);
  });

  it('svd of the adapter with itself at weights 1/2 gives it back (the updates are scaled once)', async () => {
    const dir = out();
    await mergeAdapterFolders({
      model: BASE,
      sources: twice,
      options: opts({ type: 'svd', weights: [0.5, 0.5] }),
      out: dir,
    });
    expect(maxAbsDiff(await logitsWith(dir), expected)).toBeLessThanOrEqual(1e-4);
  });

  it('the PEFT files alone load back with the same logits as our files', async () => {
    const dir = out();
    await mergeAdapterFolders({
      model: BASE,
      sources: twice,
      options: opts({ type: 'ties', density: 0.5 }),
      out: dir,
    });
    const peftOnly = out();
    fs.mkdirSync(peftOnly);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
      fs.copyFileSync(path.join(dir, f), path.join(peftOnly, f));
    expect(readAdapterFolder(peftOnly).format).toBe('peft');
    expect(maxAbsDiff(await logitsWith(peftOnly), await logitsWith(dir))).toBe(0);
  });

  it('refuses a non-LoRA adapter, adapters of different bases and an existing output, in one line', async () => {
    const ia3 = path.join(HF_TINY_DIR, 'bert-seqcls', 'ia3');
    await expect(
      mergeAdapterFolders({
        model: BASE,
        sources: [twice[0] as never, { dir: ia3, name: 'the ia3 one' }],
        options: opts({ type: 'linear' }),
        out: out(),
      }),
    ).rejects.toThrow('the ia3 one is a ia3 adapter: only LoRA adapters can be merged');
    // The same adapter saved as ours, recorded on two different base weights.
    const model = loadModel(BASE);
    const adapter = loadAdapter(model, LORA);
    const cfg = readAdapterFolder(LORA).config;
    const onA = out();
    const onB = out();
    await saveAdapter(model, adapter, cfg, onA, baseIdentity(model, 'a'.repeat(64)));
    await saveAdapter(model, adapter, cfg, onB, baseIdentity(model, 'b'.repeat(64)));
    adapter.dispose();
    model.dispose();
    await expect(
      mergeAdapterFolders({
        model: BASE,
        sources: [
          { dir: onA, name: '#1' },
          { dir: onB, name: '#2' },
        ],
        options: opts({ type: 'linear' }),
        out: out(),
      }),
    ).rejects.toThrow('#1 and #2 were trained on different base models: merge adapters of one base');
    await expect(
      mergeAdapterFolders({ model: BASE, sources: twice, options: opts({ type: 'linear' }), out: tmp.dir }),
    ).rejects.toThrow(/already exists/);
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await mergeAdapterFolders({
      model: BASE,
      sources: twice,
      options: opts({ type: 'dare_ties', density: 0.7 }),
      out: out(),
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
