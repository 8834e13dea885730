/**
 * The decode loop on the tiny GPT-2 and Llama fixtures, with the base, PEFT's LoRA fixture and the methods that
 * touch keys/values or embeddings (prefix and prompt tuning, IA3): a cached step gives the logits of a full
 * forward pass over the whole sequence, greedy decoding is the same with and without the cache, a seed repeats
 * a sample, and no tensor outlives a generation.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../../../../src-shared/train-config.ts';
import { DEFAULT_SAMPLING } from '../../../../src-shared/generation.ts';
import type { SamplingOptions } from '../../../../src-shared/generation.ts';
import { createAdapter, loadAdapter } from '../../../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../../../src-main/adapters/base/types.ts';
import { loadModel } from '../../../../src-main/models/index.ts';
import type { Model } from '../../../../src-main/models/index.ts';
import { KvCache } from '../../../../src-main/models/base/kv-cache.ts';
import type { ForwardHooks } from '../../../../src-main/models/base/hooks.ts';
import { decode } from '../../../../src-main/inference/generate/decode.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';

const PROMPT = [5, 17, 300, 42, 9];
const LIMITS = { eosIds: [], maxPositions: 128 };
const greedy = (n: number, useCache: boolean): SamplingOptions => ({
  ...DEFAULT_SAMPLING,
  maxNewTokens: n,
  useCache,
  stopAtEos: false,
});

type Variant = [string, (m: Model, fixture: string) => AdapterInstance | null];
const created =
  (method: MethodConfig): Variant[1] =>
  (m) =>
    createAdapter(m, method, 7);
const VARIANTS: Variant[] = [
  ['base', () => null],
  ['PEFT LoRA fixture', (m, fixture) => loadAdapter(m, path.join(HF_TINY_DIR, fixture, 'lora'))],
  ['prefix tuning', created({ type: 'prefix', prefixLength: 3 })],
  ['prompt tuning', created({ type: 'prompt', virtualTokens: 2 })],
  ['ia3', created({ type: 'ia3' })],
];

/** Logits of the last position of a forward pass, as a flat array. */
function lastRow(model: Model, ids: number[], hooks: ForwardHooks, cache?: KvCache): Float32Array {
  const row = tf.tidy(() => {
    const { logits } = model.forward(
      { inputIds: tf.tensor2d([ids], [1, ids.length], 'int32') },
      { hooks, ...(cache ? { cache } : {}) },
    );
    const seq = logits.shape[1] as number;
    return logits.slice([0, seq - 1, 0], [1, 1, -1]).reshape([-1]);
  });
  const data = row.dataSync() as Float32Array;
  row.dispose();
  return data;
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);

beforeAll(useTestBackend);

for (const fixture of ['gpt2-lm', 'llama-lm']) {
  describe(fixture, () => {
    let model: Model;
    beforeAll(() => {
      model = loadModel(path.join(HF_TINY_DIR, fixture, 'base'));
    });
    afterAll(() => model.dispose());

    for (const [name, make] of VARIANTS) {
      it(`${name}: every cached step has the logits of the full sequence, and greedy ids match`, async () => {
        const adapter = make(model, fixture);
        const hooks = adapter?.hooks ?? {};
        const before = tf.memory().numTensors;
        const noCache = await decode(model, hooks, PROMPT, greedy(8, false), LIMITS);
        const cached = await decode(model, hooks, PROMPT, greedy(8, true), LIMITS);
        expect(cached.ids).toEqual(noCache.ids);
        expect(cached.ids).toHaveLength(8);
        expect(tf.memory().numTensors).toBe(before);

        const cache = new KvCache();
        const sequence = [...PROMPT];
        let feed = [...PROMPT];
        for (const id of noCache.ids) {
          const step = lastRow(model, feed, hooks, cache);
          const full = lastRow(model, sequence, hooks);
          expect(maxDiff(step, full)).toBeLessThan(1e-4);
          sequence.push(id);
          feed = [id];
        }
        expect(cache.positions).toBe(
          PROMPT.length + noCache.ids.length - 1 + (name === 'prompt tuning' ? 2 : 0),
        );
        cache.dispose();
        expect(tf.memory().numTensors).toBe(before);
        adapter?.dispose();
      });
    }

    it('a seed repeats a sample exactly; another seed gives another sample', async () => {
      const before = tf.memory().numTensors;
      const opts = { ...greedy(12, true), temperature: 1.5, topK: 50, topP: 0.95, seed: 11 };
      const a = await decode(model, {}, PROMPT, opts, LIMITS);
      const b = await decode(model, {}, PROMPT, opts, LIMITS);
      const noCache = await decode(model, {}, PROMPT, { ...opts, useCache: false }, LIMITS);
      const other = await decode(model, {}, PROMPT, { ...opts, seed: 12 }, LIMITS);
      expect(b.ids).toEqual(a.ids);
      expect(noCache.ids).toEqual(a.ids);
      expect(other.ids).not.toEqual(a.ids);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('top-k 1 samples the greedy tokens whatever the temperature', async () => {
      const g = await decode(model, {}, PROMPT, greedy(6, true), LIMITS);
      const k1 = await decode(
        model,
        {},
        PROMPT,
        { ...greedy(6, true), temperature: 3, topK: 1, seed: 5 },
        LIMITS,
      );
      expect(k1.ids).toEqual(g.ids);
    });

    it('stops at the end-of-sequence id, at a stop callback, and at the position limit', async () => {
      const g = await decode(model, {}, PROMPT, greedy(6, true), LIMITS);
      const eos = g.ids[2] as number;
      const firstEos = g.ids.indexOf(eos);
      const atEos = await decode(
        model,
        {},
        PROMPT,
        { ...greedy(6, true), stopAtEos: true },
        {
          ...LIMITS,
          eosIds: [eos],
        },
      );
      expect(atEos.ids).toEqual(g.ids.slice(0, firstEos + 1));
      expect(atEos.finish).toBe('eos');
      const stopped = await decode(
        model,
        {},
        PROMPT,
        greedy(6, true),
        LIMITS,
        (_id, all) => all.length === 4,
      );
      expect(stopped.ids).toEqual(g.ids.slice(0, 4));
      expect(stopped.finish).toBe('stop');
      const short = await decode(model, {}, PROMPT, greedy(6, true), { ...LIMITS, maxPositions: 7 });
      expect(short.ids).toEqual(g.ids.slice(0, 3));
      expect(short.finish).toBe('positions');
    });
  });
}
