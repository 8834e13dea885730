/**
 * Text generation as the playground and the CLI run it: the base and an adapter side by side, streamed pieces that
 * add up to each column's text, stop sequences, a broken adapter reported in its column, no leaked tensors.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../../src-shared/generation.ts';
import type { GenerateRequest } from '../../../../src-shared/generation.ts';
import { generate } from '../../../../src-main/inference/generate/index.ts';
import { ModelCache } from '../../../../src-main/inference/predict.ts';
import { useTestBackend } from '../../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';

const GPT2 = path.join(HF_TINY_DIR, 'gpt2-lm');
const cache = new ModelCache();
beforeAll(useTestBackend);
afterAll(() => cache.dispose());

const request = (
  over: Partial<GenerateRequest['options']> = {},
  adapters = [] as GenerateRequest['adapters'],
) => ({
  model: path.join(GPT2, 'base'),
  adapters,
  prompt: 'Hello world, this is',
  options: { ...DEFAULT_SAMPLING, maxNewTokens: 10, stopAtEos: false, ...over },
});

describe('generate', () => {
  it('streams each column: the pieces add up to its text; base and LoRA side by side', async () => {
    const pieces = new Map<string, string>();
    const result = await generate(
      cache,
      request({}, [{ key: 'lora', title: 'LoRA', dir: path.join(GPT2, 'lora') }]),
      (p) => {
        pieces.set(p.column, (pieces.get(p.column) ?? '') + p.delta);
      },
    );
    expect(result.columns.map((c) => c.key)).toEqual(['base', 'lora']);
    for (const c of result.columns) {
      expect(c.error).toBeNull();
      expect(c.ids).toHaveLength(10);
      expect(c.finish).toBe('length');
      expect(c.text.length).toBeGreaterThan(0);
      expect(pieces.get(c.key)).toBe(c.text);
    }
  });

  it('stops at a stop sequence, its text cut before it; leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const full = (await generate(cache, request())).columns[0];
    if (!full) throw new Error('no column');
    // A stop sequence that first appears after the first token's text.
    const firstPiece = (await generate(cache, request({ maxNewTokens: 1 }))).columns[0]?.text ?? '';
    const stop = full.text.slice(firstPiece.length, firstPiece.length + 2);
    expect(stop.length).toBe(2);
    const cut = full.text.indexOf(stop);
    let streamed = '';
    const r = (
      await generate(cache, request({ stop: [stop] }), (p) => {
        streamed += p.delta;
      })
    ).columns[0];
    expect(r?.finish).toBe('stop');
    expect(r?.text).toBe(full.text.slice(0, cut));
    expect(streamed).toBe(r?.text);
    expect(r?.ids.length).toBeLessThan(10);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports an adapter that cannot load in its own column; the base still generates', async () => {
    const r = await generate(
      cache,
      request({}, [{ key: 'x', title: 'Missing', dir: path.join(GPT2, 'nope') }]),
    );
    expect(r.columns[0]?.error).toBeNull();
    expect(r.columns[1]?.error).toMatch(/nope/);
  });

  it('refuses a model that is not a causal LM', async () => {
    await expect(
      generate(cache, { ...request(), model: path.join(HF_TINY_DIR, 'bert-seqcls', 'base') }),
    ).rejects.toThrow(/causal language model/);
  });
});
