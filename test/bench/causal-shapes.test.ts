/**
 * The causal-LM shapes gpu-compare --big / --generate time (test/bench/causal-shapes.ts): their weight counts are
 * the published ones of the real models (transformers' num_parameters of gpt2-medium, gpt2 and Llama-3.2-1B, tied
 * heads counted once), and a tiny stand-in builds with random weights on the backend, runs forward, holds the
 * values the generator promises, and leaves no tensor behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '../helpers/backend.ts';
import { CAUSAL_SHAPES, TINY_SHAPES, hfConfig, paramCount, randomCausalLm } from './causal-shapes.ts';
import { GpuPeak, median } from './gpu-peak.ts';

beforeAll(useTestBackend);

describe('causal shapes', () => {
  it('have the real models weight counts', () => {
    expect(paramCount(CAUSAL_SHAPES['gpt2-medium'])).toBe(354_823_168);
    expect(paramCount(CAUSAL_SHAPES['gpt2-small'])).toBe(124_439_808);
    expect(paramCount(CAUSAL_SHAPES['llama-1b'])).toBe(1_235_814_400);
  });

  it('write the config torch_peer.py builds: grouped-query attention and tied heads', () => {
    const llama = hfConfig(CAUSAL_SHAPES['llama-1b']);
    expect(llama).toMatchObject({ model_type: 'llama', num_key_value_heads: 8, tie_word_embeddings: true });
    expect(hfConfig(CAUSAL_SHAPES['gpt2-medium'])).toMatchObject({
      model_type: 'gpt2',
      n_layer: 24,
      n_embd: 1024,
    });
  });

  it('tiny stand-ins: 2 layers 64 wide, 4 heads, 512 tokens, the rest of the real shape kept', () => {
    const small = { layers: 2, hidden: 64, heads: 4, vocab: 512 };
    expect(TINY_SHAPES['gpt2-medium']).toEqual({
      ...small,
      arch: 'gpt2',
      kvHeads: 4,
      ffn: 256,
      positions: 1024,
    });
    expect(TINY_SHAPES['gpt2-small']).toEqual(TINY_SHAPES['gpt2-medium']);
    // Llama's grouped-query attention kept: 2 key/value heads for 4 query heads.
    expect(TINY_SHAPES['llama-1b']).toEqual({
      ...small,
      arch: 'llama',
      kvHeads: 2,
      ffn: 128,
      positions: 131072,
    });
  });

  for (const name of ['gpt2-medium', 'llama-1b'] as const) {
    it(`${name}: a tiny stand-in builds with random weights, runs forward and frees everything`, async () => {
      const before = tf.memory().numTensors;
      const shape = TINY_SHAPES[name];
      const model = randomCausalLm(shape);
      try {
        expect(model.params.count()).toBe(paramCount(shape));
        const weight = model.params.get(
          name === 'llama-1b'
            ? 'model.layers.0.self_attn.q_proj.weight'
            : 'transformer.h.0.attn.c_attn.weight',
        );
        const values = await weight.data();
        const spread = tf.tidy(() => tf.moments(weight).variance.dataSync()[0] as number);
        // Uniform on [-0.02, 0.02): variance 0.04² / 12 = 1.33e-4, within 10% for thousands of values.
        expect(Math.max(...values)).toBeLessThanOrEqual(0.02);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(-0.02);
        expect(spread).toBeGreaterThan(1.2e-4);
        expect(spread).toBeLessThan(1.47e-4);
        const ids = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
        const { logits, lastHiddenState } = model.forward({ inputIds: ids });
        expect(logits.shape).toEqual([1, 4, shape.vocab]);
        expect((await logits.data()).every(Number.isFinite)).toBe(true);
        tf.dispose([ids, logits, ...(lastHiddenState ? [lastHiddenState] : [])]);
      } finally {
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('GpuPeak off webgpu reports the tensors bytes it saw', () => {
    const peak = new GpuPeak();
    const t = tf.zeros([1024]);
    expect(peak.report()).toMatchObject({ peakMemoryMB: expect.any(Number) });
    expect(peak.report().peakMemoryMB).toBeGreaterThanOrEqual(4096 / 2 ** 20);
    t.dispose();
    peak.dispose();
  });
});
