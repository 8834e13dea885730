/**
 * The CLIP this project pretrained and ships (models/studio-clip-small, made by tools/default-clip/make_default_clip.py)
 * read by the studio: its byte-level BPE tokenizer gives transformers' prompt ids, its zero-shot logits on the
 * card's pictures equal transformers' (zero_shot_reference.json, float16 weights computed in float32) within 1e-4,
 * and the predictions are transformers'.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageBytes } from '../../../src-main/data/images.ts';
import { rankLabels, zeroShotBatch } from '../../../src-main/inference/zero-shot.ts';
import { STUDIO_CLIP_DIR } from '../../../src-main/models/default-model.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';

interface Reference {
  template: string;
  labels: string[];
  prompts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  images: string[];
  truth: string[];
  logits_per_image: number[][];
  logits_per_text: number[][];
  predicted: string[];
}
const ref = JSON.parse(
  fs.readFileSync(path.join(STUDIO_CLIP_DIR, 'zero_shot_reference.json'), 'utf8'),
) as Reference;

let model: Model;
beforeAll(async () => {
  await useTestBackend();
  model = loadModel(STUDIO_CLIP_DIR);
});
afterAll(() => model.dispose());

describe('the shipped CLIP (models/studio-clip-small)', () => {
  it('tokenizes the prompts as transformers did', () => {
    const tok = loadTokenizer(STUDIO_CLIP_DIR);
    const enc = tok.encodeBatch(ref.prompts, { maxLength: 32 });
    const ids = Array.from({ length: ref.prompts.length }, (_, r) =>
      Array.from(enc.ids.slice(r * enc.length, (r + 1) * enc.length)),
    );
    expect(ids).toEqual(ref.input_ids);
  });

  it('gives transformers’ zero-shot logits within 1e-4 and its predictions, out of the box', async () => {
    const images = ref.images.map((f) => {
      const file = path.join(STUDIO_CLIP_DIR, f);
      return decodeImageBytes(file, fs.readFileSync(file));
    });
    const tok = loadTokenizer(STUDIO_CLIP_DIR);
    const batch = zeroShotBatch({ model, tok, dir: STUDIO_CLIP_DIR, images, labels: ref.labels });
    const before = tf.memory().numTensors;
    const out = model.forward(batch);
    const perImage = out.extra?.logits_per_image as tf.Tensor;
    const perText = out.extra?.logits_per_text as tf.Tensor;
    expect(perImage.shape).toEqual([ref.images.length, ref.labels.length]);
    expect(maxAbsDiff(await perImage.data(), ref.logits_per_image.flat())).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(await perText.data(), ref.logits_per_text.flat())).toBeLessThanOrEqual(1e-4);
    tf.dispose([out.logits, ...Object.values(out.extra ?? {})]);
    expect(tf.memory().numTensors).toBe(before);
    const ranked = await rankLabels(model, batch, ref.labels);
    expect(ranked.map((r) => r[0]?.label)).toEqual(ref.predicted);
    // It was pretrained on these concepts: most of the card's pictures are named right.
    const right = ranked.filter((r, i) => r[0]?.label === ref.truth[i]).length;
    expect(right).toBeGreaterThanOrEqual(ref.images.length - 1);
    tf.dispose(Object.values(batch));
  });
});
