/**
 * Zero-shot image classification on a CLIP base (inference/zero-shot.ts): the ranking is transformers' logits
 * softmaxed over the labels, prompts are tokenized with the folder's tokenizer and images normalised with CLIP's
 * statistics, and nothing leaks.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter } from '../../../src-main/adapters/io.ts';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import {
  parseLabels,
  prompts,
  rankLabels,
  zeroShot,
  zeroShotBatch,
} from '../../../src-main/inference/zero-shot.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import type { TextTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { CLIP_FIXTURE_DIR, clipTestVocab, writeClipFolder } from '../../helpers/clip-folder.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);

const solid = (rgb: [number, number, number], size = 30) => {
  const rgba = new Uint8Array(size * size * 4);
  for (let p = 0; p < size * size; p++) rgba.set([...rgb, 255], p * 4);
  return { width: size, height: size, rgba };
};

function referenceBatch(dir: string) {
  const ref = readSafetensors(path.join(dir, 'reference.safetensors')).tensors;
  const get = (n: string) => ref.get(n) as NonNullable<ReturnType<typeof ref.get>>;
  const t = (n: string, dtype: 'int32' | 'float32'): tf.Tensor => tf.tensor(get(n).data, get(n).shape, dtype);
  return {
    get,
    batch: {
      inputIds: t('input_ids', 'int32') as tf.Tensor2D,
      attentionMask: t('attention_mask', 'int32') as tf.Tensor2D,
      pixelValues: t('pixel_values', 'float32') as tf.Tensor4D,
    },
  };
}

/** Per row of [rows, n] logits, the index of the largest. */
const argmaxRows = (data: ArrayLike<number>, n: number) =>
  Array.from({ length: data.length / n }, (_, r) => {
    const row = Array.from({ length: n }, (_, j) => data[r * n + j] as number);
    return row.indexOf(Math.max(...row));
  });

describe('zero-shot on a CLIP base', () => {
  const tmp = tempDir('zero-shot-');
  let dir: string;
  let model: Model;
  let tok: TextTokenizer;
  beforeAll(() => {
    dir = writeClipFolder(tmp.dir);
    model = loadModel(dir);
    tok = loadTokenizer(dir);
  });
  afterAll(() => {
    model.dispose();
    tmp.cleanup();
  });

  it.each(['base', 'lora'])(
    'ranks labels as softmax(logits_per_image) of transformers (%s): the same predictions',
    async (fixture) => {
      const fdir = path.join(CLIP_FIXTURE_DIR, fixture);
      const { get, batch } = referenceBatch(fdir);
      const adapter = fixture === 'lora' ? loadAdapter(model, fdir) : null;
      const labels = ['x', 'y', 'z'];
      const before = tf.memory().numTensors;
      const ranked = await rankLabels(model, batch, labels, adapter?.hooks);
      expect(tf.memory().numTensors).toBe(before);
      const ref = get('logits_per_image');
      const want = tf.tidy(() => tf.softmax(tf.tensor2d(ref.data as Float32Array, [2, 3])).dataSync());
      ranked.forEach((row, i) => {
        expect(row.map((s) => s.label)[0]).toBe(labels[argmaxRows(ref.data, 3)[i] as number]);
        for (const s of row)
          expect(Math.abs(s.probability - (want[i * 3 + labels.indexOf(s.label)] as number))).toBeLessThan(
            1e-5,
          );
      });
      adapter?.dispose();
      tf.dispose(Object.values(batch));
    },
  );

  it("tokenizes each label's prompt with the folder's tokenizer, padded, and normalises with CLIP's statistics", async () => {
    const vocab = clipTestVocab();
    const id = (t: string) => vocab.indexOf(t);
    const batch = zeroShotBatch({
      model,
      tok,
      dir,
      images: [solid([255, 0, 0])],
      labels: ['cat', 'red dog'],
    });
    expect(batch.inputIds.shape).toEqual([2, 8]);
    expect(Array.from(await batch.inputIds.data())).toEqual([
      ...[0, id('a'), id('photo'), id('of'), id('a'), id('cat'), 98, 1],
      ...[0, id('a'), id('photo'), id('of'), id('a'), id('red'), id('dog'), 98],
    ]);
    expect(Array.from(await batch.attentionMask.data())).toEqual([
      1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    const px = await batch.pixelValues.data();
    expect(batch.pixelValues.shape).toEqual([1, 3, 30, 30]);
    expect(px[0]).toBeCloseTo((1 - 0.48145466) / 0.26862954, 4);
    expect(px[900]).toBeCloseTo((0 - 0.4578275) / 0.26130258, 4);
    tf.dispose(Object.values(batch));
  });

  it('classifies images: every label once, probabilities summing to 1, no tensor left behind', async () => {
    const before = tf.memory().numTensors;
    const ranked = await zeroShot({
      model,
      tok,
      dir,
      images: [solid([255, 0, 0]), solid([0, 0, 255])],
      labels: parseLabels('red square, blue circle ,green star'),
      template: 'a drawing of a {label}',
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(ranked).toHaveLength(2);
    for (const row of ranked) {
      expect(row.map((s) => s.label).sort()).toEqual(['blue circle', 'green star', 'red square']);
      expect(row.reduce((a, s) => a + s.probability, 0)).toBeCloseTo(1, 5);
      expect(row[0]?.probability).toBeGreaterThanOrEqual(row[1]?.probability ?? 1);
    }
    // Different images get different scores: the vision tower is really read.
    expect(ranked[0]?.find((s) => s.label === 'red square')?.probability).not.toBeCloseTo(
      ranked[1]?.find((s) => s.label === 'red square')?.probability ?? 0,
      6,
    );
  });

  it("read as a classifier (a dataset's labels), CLIP scores images against the label prompts: zero-shot logits", async () => {
    const labels = ['cat', 'red dog', 'bird'];
    const classifier = loadModel(dir, { task: 'sequence-classification', labels });
    expect(classifier.config.task).toBe('image-classification');
    expect(classifier.config.labels).toEqual(labels);
    const img = solid([10, 200, 30]);
    const batch = zeroShotBatch({ model, tok, dir, images: [img], labels });
    const out = classifier.forward({ pixelValues: batch.pixelValues });
    expect(out.logits.shape).toEqual([1, 3]);
    const probs = tf.tidy(() => tf.softmax(out.logits).dataSync());
    const ranked = (await zeroShot({ model, tok, dir, images: [img], labels }))[0] ?? [];
    for (const s of ranked) expect(probs[labels.indexOf(s.label)]).toBeCloseTo(s.probability, 5);
    tf.dispose([out.logits, ...Object.values(out.extra ?? {}), ...Object.values(batch)]);
    classifier.dispose();
  });

  it('refuses one label, a repeated label, a template without {label} and a model without two towers', async () => {
    expect(() => parseLabels('cat')).toThrow(/at least two labels/);
    expect(() => parseLabels('cat,dog,cat')).toThrow(/"cat" is given twice/);
    expect(() => prompts(['cat', 'dog'], 'a photo')).toThrow(/no \{label\}/);
    expect(prompts(['cat'], '{label}, a {label}')).toEqual(['cat, a cat']);
    const text = { ...model, config: { ...model.config, inputKind: 'text' as const } } as Model;
    await expect(
      zeroShot({ model: text, tok, dir, images: [solid([0, 0, 0])], labels: ['a', 'b'] }),
    ).rejects.toThrow(/needs a CLIP model/);
  });
});
