/**
 * Greedy generation equals transformers' `generate(do_sample=False)` token for token, with and without the KV
 * cache, on the hf-tiny GPT-2 and Llama bases and with their PEFT LoRA adapters (test/fixtures/generation, made
 * with transformers + PEFT); each step's logits match transformers' scores within 1e-4.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../../src-shared/generation.ts';
import { loadAdapter } from '../../../../src-main/adapters/index.ts';
import { readSafetensors } from '../../../../src-main/engine/safetensors/index.ts';
import { decode } from '../../../../src-main/inference/generate/decode.ts';
import { KvCache } from '../../../../src-main/models/base/kv-cache.ts';
import { loadModel } from '../../../../src-main/models/index.ts';
import type { Model } from '../../../../src-main/models/index.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../../helpers/fixtures.ts';

const GEN_DIR = path.join(OWN_FIXTURES_DIR, 'generation');

beforeAll(useTestBackend);

for (const fixture of ['gpt2-lm', 'llama-lm']) {
  describe(fixture, () => {
    let model: Model;
    beforeAll(() => {
      model = loadModel(path.join(HF_TINY_DIR, fixture, 'base'));
    });
    afterAll(() => model.dispose());

    for (const kind of ['base', 'lora'] as const) {
      const ref = readSafetensors(path.join(GEN_DIR, fixture, kind, 'reference.safetensors')).tensors;
      const prompts = [...ref.keys()].filter((k) => k.startsWith('prompt_ids_')).length;
      it(`${kind}: ${prompts} prompts, 16 greedy tokens each, with and without the cache`, async () => {
        expect(prompts).toBeGreaterThan(0);
        const adapter = kind === 'lora' ? loadAdapter(model, path.join(HF_TINY_DIR, fixture, 'lora')) : null;
        const hooks = adapter?.hooks ?? {};
        const before = tf.memory().numTensors;
        for (let i = 0; i < prompts; i++) {
          const prompt = Array.from(ref.get(`prompt_ids_${i}`)?.data ?? []);
          const expected = ref.get(`greedy_cache_${i}`);
          const expectedNoCache = ref.get(`greedy_nocache_${i}`);
          const scores = ref.get(`scores_${i}`);
          if (!expected || !expectedNoCache || !scores) throw new Error(`prompt ${i}: incomplete reference`);
          const newIds = Array.from(expected.data).slice(prompt.length);
          expect(newIds).toHaveLength(16);
          expect(Array.from(expectedNoCache.data)).toEqual(Array.from(expected.data));
          const opts = { ...DEFAULT_SAMPLING, maxNewTokens: 16, stopAtEos: false };
          const limits = { eosIds: [], maxPositions: 128 };
          const cached = await decode(model, hooks, prompt, { ...opts, useCache: true }, limits);
          const full = await decode(model, hooks, prompt, { ...opts, useCache: false }, limits);
          expect(cached.ids).toEqual(newIds);
          expect(full.ids).toEqual(newIds);

          // Each cached step's logits against transformers' scores (output_logits, use_cache=True).
          const vocab = scores.shape[1] as number;
          const cache = new KvCache();
          let feed = prompt;
          for (let step = 0; step < 16; step++) {
            const row = tf.tidy(() => {
              const { logits } = model.forward(
                { inputIds: tf.tensor2d([feed], [1, feed.length], 'int32') },
                { hooks, cache },
              );
              return logits.slice([0, feed.length - 1, 0], [1, 1, -1]).reshape([-1]);
            });
            const ours = row.dataSync() as Float32Array;
            row.dispose();
            const theirs = (scores.data as Float32Array).subarray(step * vocab, (step + 1) * vocab);
            const diff = ours.reduce((m, x, j) => Math.max(m, Math.abs(x - (theirs[j] as number))), 0);
            expect(diff, `prompt ${i} step ${step}`).toBeLessThan(1e-4);
            feed = [newIds[step] as number];
          }
          cache.dispose();
        }
        expect(tf.memory().numTensors).toBe(before);
        adapter?.dispose();
      });
    }
  });
}
