/**
 * Generation on webgpu with the KV cache through the fused decode kernel (one query row per sequence against the
 * cached keys and values): on the tiny GPT-2 and Llama fixtures (Llama's grouped-query heads), base and with
 * prefix tuning (cached prefix keys), greedy ids equal those of the composed form (STUDIO_FUSED_ATTENTION=0) and of
 * decoding without the cache, and a cached step's logits agree with the composed step's. On lavapipe where no GPU
 * is present; skipped, with the reason, where WebGPU cannot start.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../../src-shared/generation.ts';
import type { SamplingOptions } from '../../../../src-shared/generation.ts';
import { createAdapter } from '../../../../src-main/adapters/index.ts';
import { decode } from '../../../../src-main/inference/generate/decode.ts';
import { KvCache } from '../../../../src-main/models/base/kv-cache.ts';
import type { ForwardHooks } from '../../../../src-main/models/base/hooks.ts';
import { loadModel } from '../../../../src-main/models/index.ts';
import type { Model } from '../../../../src-main/models/index.ts';
import { relErr } from '../../../helpers/grad-check.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu decode tests skipped: ${unavailable}`);

const PROMPT = [5, 17, 300, 42, 9, 77, 3];
const LIMITS = { eosIds: [], maxPositions: 128 };
const greedy = (useCache: boolean): SamplingOptions => ({
  ...DEFAULT_SAMPLING,
  maxNewTokens: 10,
  useCache,
  stopAtEos: false,
});

const models = new Map<string, Model>();
const modelOf = (fixture: string) => {
  const m = models.get(fixture) ?? loadModel(path.join(HF_TINY_DIR, fixture, 'base'));
  models.set(fixture, m);
  return m;
};
afterAll(() => models.forEach((m) => m.dispose()));
afterEach(() => {
  delete process.env.STUDIO_FUSED_ATTENTION;
});

/** The logits of one cached step after the prompt, and the kernels that step ran. */
async function cachedStep(model: Model, hooks: ForwardHooks) {
  const cache = new KvCache();
  const pass = (ids: number[]) =>
    tf.tidy(
      () =>
        model.forward({ inputIds: tf.tensor2d([ids], [1, ids.length], 'int32') }, { hooks, cache }).logits,
    );
  tf.dispose(pass(PROMPT));
  const { result, kernels } = await tf.profile(() => pass([11]));
  const logits = Array.from(await (result as tf.Tensor).data());
  tf.dispose(result as tf.Tensor);
  cache.dispose();
  return { logits, softmax: kernels.some((k) => k.name === 'Softmax') };
}

describe.skipIf(unavailable !== null)('generation with the fused decode kernel', () => {
  for (const fixture of ['gpt2-lm', 'llama-lm']) {
    it.each([
      ['base', false],
      ['prefix tuning', true],
    ])(
      `${fixture}, %s: greedy ids equal the composed form's and uncached decoding's`,
      async (_name, prefix) => {
        const model = modelOf(fixture);
        const adapter = prefix ? createAdapter(model, { type: 'prefix', prefixLength: 3 }, 7) : null;
        const hooks = adapter?.hooks ?? {};
        const before = tf.memory().numTensors;
        const fused = await decode(model, hooks, PROMPT, greedy(true), LIMITS);
        const fusedStep = await cachedStep(model, hooks);
        process.env.STUDIO_FUSED_ATTENTION = '0';
        const composed = await decode(model, hooks, PROMPT, greedy(true), LIMITS);
        const uncached = await decode(model, hooks, PROMPT, greedy(false), LIMITS);
        const composedStep = await cachedStep(model, hooks);
        expect(fused.ids).toHaveLength(10);
        expect(fused.ids).toEqual(composed.ids);
        expect(fused.ids).toEqual(uncached.ids);
        expect(fusedStep.softmax).toBe(false);
        expect(composedStep.softmax).toBe(true);
        expect(relErr(fusedStep.logits, composedStep.logits)).toBeLessThan(1e-5);
        expect(tf.memory().numTensors).toBe(before);
        adapter?.dispose();
      },
    );
  }
});
