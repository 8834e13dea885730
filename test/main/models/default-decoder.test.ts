/**
 * The small decoder this project pretrains (models/studio-gpt2-small, made by
 * tools/default-decoder/make_default_decoder.py): the studio's tokenizer gives transformers' prompt ids, and its
 * greedy generation equals transformers' generate() from the same saved weights, with and without the cache.
 * Runs once the folder is in the checkout (the script runs on a machine with torch; see its card).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../src-shared/generation.ts';
import { decode } from '../../../src-main/inference/generate/decode.ts';
import { decodeLimits } from '../../../src-main/inference/generate/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';

const DIR = path.join(REPO_ROOT, 'models/studio-gpt2-small');
const present = fs.existsSync(path.join(DIR, 'generation_reference.json'));

interface Reference {
  maxNewTokens: number;
  eosTokenId: number;
  prompts: { prompt: string; promptIds: number[]; greedyIds: number[]; text: string }[];
}

describe.skipIf(!present)('models/studio-gpt2-small', () => {
  let model: Model;
  const ref = present
    ? (JSON.parse(fs.readFileSync(path.join(DIR, 'generation_reference.json'), 'utf8')) as Reference)
    : null;
  beforeAll(async () => {
    await useTestBackend();
    model = loadModel(DIR);
  });
  afterAll(() => model?.dispose());

  it('weighs at most 25 MB and generates as transformers does, with and without the cache', async () => {
    expect(fs.statSync(path.join(DIR, 'model.safetensors')).size).toBeLessThanOrEqual(25 * 1024 * 1024);
    if (!ref) throw new Error('no reference');
    const tok = loadTokenizer(DIR);
    const limits = decodeLimits(DIR);
    expect(limits.eosIds).toEqual([ref.eosTokenId]);
    const before = tf.memory().numTensors;
    for (const p of ref.prompts) {
      expect(tok.encode(p.prompt).ids).toEqual(p.promptIds);
      for (const useCache of [true, false]) {
        const out = await decode(
          model,
          {},
          p.promptIds,
          { ...DEFAULT_SAMPLING, maxNewTokens: ref.maxNewTokens, useCache },
          limits,
        );
        // transformers appends the eos token and stops; so does the decode loop.
        expect(out.ids, `${p.prompt} (cache ${useCache})`).toEqual(p.greedyIds);
      }
      expect(tok.decode(p.greedyIds)).toBe(p.text);
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);
});
