import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';

beforeAll(useTestBackend);

const CASES: [string, string][] = [
  ...HF_TINY_MODELS.map((m): [string, string] => [m, 'lora']),
  ['bert-seqcls', 'ia3'],
  ['bert-seqcls', 'prompt-tuning'],
];

describe.each(CASES)('%s + PEFT %s adapter', (name, adapterDir) => {
  let model: Model;
  beforeAll(() => {
    model = loadModel(path.join(HF_TINY_DIR, name, 'base'));
  });
  afterAll(() => model.dispose());

  it('gives the reference logits within 1e-4', async () => {
    const dir = path.join(HF_TINY_DIR, name, adapterDir);
    const ref = loadReference(dir);
    const adapter = loadAdapter(model, dir);
    const logits = tf.tidy(() => model.forward(ref.inputs, { hooks: adapter.hooks }).logits);
    expect(logits.shape).toEqual(ref.logits.shape);
    expect(maxAbsDiff(await logits.data(), ref.logits.data, ref.mask)).toBeLessThanOrEqual(1e-4);
    logits.dispose();
    adapter.dispose();
    ref.dispose();
  });
});

describe.each(HF_TINY_MODELS)('%s + PEFT LoRA, merged', (name) => {
  let model: Model;
  beforeAll(() => {
    model = loadModel(path.join(HF_TINY_DIR, name, 'base'));
  });
  afterAll(() => model.dispose());

  it('matches the lora-merged reference; a second merge is refused; detaching restores the base', async () => {
    const dir = path.join(HF_TINY_DIR, name, 'lora');
    const mergedRef = loadReference(path.join(HF_TINY_DIR, name, 'lora-merged'));
    const before = await Promise.all(
      model.params.names().map(async (n) => [n, await model.params.get(n).data()] as const),
    );
    const adapter = loadAdapter(model, dir);
    await adapter.merge?.();
    await expect(adapter.merge?.()).rejects.toThrow(/already merged/);
    const logits = tf.tidy(() => model.forward(mergedRef.inputs, { hooks: adapter.hooks }).logits);
    expect(maxAbsDiff(await logits.data(), mergedRef.logits.data, mergedRef.mask)).toBeLessThanOrEqual(1e-4);
    logits.dispose();
    adapter.dispose(); // unmerges
    for (const [n, data] of before) {
      expect(maxAbsDiff(await model.params.get(n).data(), data)).toBeLessThanOrEqual(1e-5);
    }
    mergedRef.dispose();
  });
});
