import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { mergeAdapterFolder } from '../../../src-main/export/merged.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-merged-');
beforeAll(useTestBackend);
afterAll(() => tmp.cleanup());

describe('mergeAdapterFolder (merged export and `studio merge`)', () => {
  it("writes transformers' merged weights and leaves no tensor behind", async () => {
    const dir = path.join(HF_TINY_DIR, 'bert-seqcls');
    const out = path.join(tmp.dir, 'merged');
    const before = tf.memory().numTensors;
    await mergeAdapterFolder(path.join(dir, 'base'), path.join(dir, 'lora'), out);
    expect(tf.memory().numTensors).toBe(before);
    // PEFT's merge_and_unload() of the same adapter, saved by the fixture script.
    const want = readSafetensors(path.join(dir, 'lora-merged/model.safetensors')).tensors;
    const got = readSafetensors(path.join(out, 'model.safetensors')).tensors;
    for (const name of ['bert.encoder.layer.0.attention.self.query.weight', 'classifier.weight']) {
      const w = want.get(name);
      const g = got.get(name);
      expect(g?.shape, name).toEqual(w?.shape);
      expect(maxAbsDiff(g?.data as Float32Array, w?.data as Float32Array), name).toBeLessThanOrEqual(1e-5);
    }
    expect(
      fs.existsSync(path.join(out, 'tokenizer.json')) || fs.existsSync(path.join(out, 'vocab.txt')),
    ).toBe(true);
  });

  it('refuses an unmergeable adapter with one line and disposes what it loaded', async () => {
    const dir = path.join(HF_TINY_DIR, 'bert-seqcls');
    const before = tf.memory().numTensors;
    await expect(
      mergeAdapterFolder(path.join(dir, 'base'), path.join(dir, 'prompt-tuning'), path.join(tmp.dir, 'no')),
    ).rejects.toThrow(/a prompt adapter cannot be merged \(only LoRA, .*IA3/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
