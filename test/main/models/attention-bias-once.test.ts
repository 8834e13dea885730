/**
 * A decoder's attention bias is built once per forward pass, not once per layer, and a cached generation step
 * (one query, which sees every key) builds no causal mask at all. On a GPU a generation step's time is the count of
 * its kernels, not their arithmetic: with ~15 small kernels a layer for the bias, a cached step of the bundled
 * decoder ran more kernels (317) than a whole pass over the sequence (306), so the cache was no faster on the H100
 * (issue #16). Decoding with and without the cache still gives the same tokens (decode.test.ts).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KvCache } from '../../../src-main/models/base/kv-cache.ts';
import { attentionBias } from '../../../src-main/models/base/layers.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';

beforeAll(useTestBackend);

/** How many times each kernel ran in `f`. */
async function kernels(f: () => tf.Tensor): Promise<Map<string, number>> {
  let out: tf.Tensor | undefined;
  const info = await tf.profile(() => (out = f()));
  out?.dispose();
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  return counts;
}

describe.each(['gpt2-lm', 'llama-lm'])('attention bias on %s', (fixture) => {
  it('is built once per pass, and a cached step builds no causal mask', async () => {
    const model = loadModel(path.join(HF_TINY_DIR, fixture, 'base'));
    const layers = (model.config as { numLayers?: number }).numLayers ?? 0;
    expect(layers).toBeGreaterThan(1);
    const ids = [5, 17, 300, 42, 9, 11];
    const pass = (n: number, cache?: KvCache) => () =>
      model.forward({ inputIds: tf.tensor2d([ids.slice(0, n)], [1, n], 'int32') }, cache ? { cache } : {})
        .logits;
    // The causal mask's comparison: once in a whole pass, whatever the number of layers.
    expect((await kernels(pass(ids.length))).get('LessEqual')).toBe(1);
    const cache = new KvCache();
    tf.dispose(pass(ids.length - 1, cache)());
    const step = await kernels(
      () => model.forward({ inputIds: tf.tensor2d([ids.slice(-1)], [1, 1], 'int32') }, { cache }).logits,
    );
    expect(step.get('LessEqual') ?? 0).toBe(0);
    expect(step.get('Select') ?? 0).toBe(0);
    cache.dispose();
    model.dispose();
  });
});

describe('attentionBias', () => {
  it('with one query is the key mask alone: a causal mask would hide nothing', async () => {
    const mask = tf.tensor2d([[1, 1, 0, 1]], [1, 4], 'int32');
    const causal = attentionBias(mask, 1, 1, 4, true) as tf.Tensor;
    const plain = attentionBias(mask, 1, 1, 4, false) as tf.Tensor;
    const values = async (t: tf.Tensor) => Array.from(await t.data(), (v) => v + 0); // -0 and 0 alike
    expect(await values(causal)).toEqual(await values(plain));
    // Two queries over four keys: the first does not see the last key.
    const two = attentionBias(null, 1, 2, 4, true) as tf.Tensor;
    expect(Array.from(await two.data())).toEqual([0, 0, 0, -1e9, 0, 0, 0, 0]);
    tf.dispose([mask, causal, plain, two]);
  });
});
