/**
 * CLIP-Adapter (adapters/clip-adapter) on the transformers fixture's tiny CLIP: the blend f' = a * adapter(f) +
 * (1 - a) * f on the projected features, CLIP unchanged at a = 0, saved weights that load back, a refusal on a
 * model without two towers, and few-shot training that beats zero-shot on a set the base cannot tell apart.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMethodConfig } from '../../../src-main/adapters/base/registry.ts';
import { clipAdapterMethod, clipAdapterNames } from '../../../src-main/adapters/clip-adapter/index.ts';
import '../../../src-main/adapters/methods.ts';
import { rankLabels, zeroShotBatch } from '../../../src-main/inference/zero-shot.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { CLIP_FIXTURE_DIR, writeClipFolder } from '../../helpers/clip-folder.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { seededRandom } from '../../helpers/model-folder.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);

const config = (o: Record<string, unknown> = {}) =>
  parseMethodConfig('clip-adapter', { type: 'clip-adapter', ...o }) as Parameters<
    typeof clipAdapterMethod.create
  >[1];

describe('CLIP-Adapter on CLIP', () => {
  let model: Model;
  beforeAll(() => {
    model = loadModel(path.join(CLIP_FIXTURE_DIR, 'base'));
  });
  afterAll(() => model.dispose());

  it('has the schema defaults of the paper (image features, reduction 4, alpha 0.2) and field help', () => {
    expect(config()).toEqual({ type: 'clip-adapter', towers: 'image', reductionFactor: 4, alpha: 0.2 });
    expect(() => config({ alpha: 1.5 })).toThrow();
  });

  it('blends alpha * relu(relu(f Wd) Wu) + (1 - alpha) * f into the features of the chosen towers', async () => {
    const adapter = clipAdapterMethod.create(model, config({ towers: 'both', alpha: 0.3 }), 5);
    expect([...adapter.weights.keys()].sort()).toEqual(
      [...Object.values(clipAdapterNames('image')), ...Object.values(clipAdapterNames('text'))].sort(),
    );
    const f = tf.tensor2d(
      Array.from({ length: 32 }, (_, i) => Math.sin(i) * 2),
      [2, 16],
    );
    const down = await (adapter.weights.get('clip_adapter.image.down.weight') as tf.Variable).array();
    const up = await (adapter.weights.get('clip_adapter.image.up.weight') as tf.Variable).array();
    const fx = (await f.array()) as number[][];
    const relu = (v: number) => Math.max(0, v);
    const want = fx.map((row) => {
      const h =
        (down as number[][])[0]?.map((_, j) =>
          relu(row.reduce((a, v, i) => a + v * (down as number[][])[i]![j]!, 0)),
        ) ?? [];
      return row.map(
        (v, k) => 0.3 * relu(h.reduce((a, hv, j) => a + hv * (up as number[][])[j]![k]!, 0)) + 0.7 * v,
      );
    });
    const got = adapter.hooks.features?.('image', f) as tf.Tensor2D;
    expect(maxAbsDiff(await got.data(), want.flat())).toBeLessThan(1e-5);
    tf.dispose([f, got]);
    adapter.dispose();
  });

  it('leaves CLIP exactly as it is at alpha 0, and changes both towers otherwise', async () => {
    const inputs = {
      inputIds: tf.tensor2d([[0, 5, 9, 98]], [1, 4], 'int32'),
      pixelValues: tf.randomNormal([1, 3, 30, 30], 0, 1, 'float32', 3) as tf.Tensor4D,
    };
    const base = model.forward(inputs);
    const zero = clipAdapterMethod.create(model, config({ towers: 'both', alpha: 0 }), 1);
    const same = model.forward(inputs, { hooks: zero.hooks });
    for (const n of ['image_embeds', 'text_embeds'])
      expect(maxAbsDiff(await same.extra![n]!.data(), await base.extra![n]!.data())).toBe(0);
    const half = clipAdapterMethod.create(model, config({ towers: 'image', alpha: 0.5 }), 1);
    const moved = model.forward(inputs, { hooks: half.hooks });
    expect(
      maxAbsDiff(await moved.extra!.image_embeds!.data(), await base.extra!.image_embeds!.data()),
    ).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(await moved.extra!.text_embeds!.data(), await base.extra!.text_embeds!.data())).toBe(0);
    for (const out of [base, same, moved]) tf.dispose([out.logits, ...Object.values(out.extra ?? {})]);
    tf.dispose(Object.values(inputs));
    zero.dispose();
    half.dispose();
  });

  it('loads back from its saved weights with the same outputs, and tells which weight is missing', async () => {
    const a = clipAdapterMethod.create(model, config({ towers: 'both' }), 9);
    const saved = new Map([...a.weights].map(([n, v]) => [n, v.clone() as tf.Tensor]));
    const b = clipAdapterMethod.fromWeights(model, config({ towers: 'both' }), saved);
    const f = tf.ones([1, 16]) as tf.Tensor2D;
    const ya = a.hooks.features?.('text', f) as tf.Tensor;
    const yb = b.hooks.features?.('text', f) as tf.Tensor;
    expect(maxAbsDiff(await ya.data(), await yb.data())).toBe(0);
    saved.delete('clip_adapter.text.up.weight');
    expect(() => clipAdapterMethod.fromWeights(model, config({ towers: 'both' }), saved)).toThrow(
      /missing clip_adapter\.text\.up\.weight/,
    );
    tf.dispose([f, ya, yb, ...saved.values()]);
    a.dispose();
    b.dispose();
  });

  it('refuses a model without two towers', () => {
    const bert = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    expect(() => clipAdapterMethod.create(bert, config(), 1)).toThrow(/needs a CLIP model/);
    bert.dispose();
  });
});

describe('CLIP-Adapter few-shot vs zero-shot', () => {
  const tmp = tempDir('clip-adapter-');
  afterAll(() => tmp.cleanup());

  /** An image of one of three colours with per-pixel noise (the class is the colour). */
  function image(cls: number, rand: () => number) {
    const rgba = new Uint8Array(30 * 30 * 4);
    const base = [
      [200, 40, 40],
      [40, 200, 40],
      [40, 40, 200],
    ][cls] as number[];
    for (let p = 0; p < 900; p++)
      rgba.set([...base.map((v) => Math.max(0, Math.min(255, v + (rand() - 0.5) * 120))), 255], p * 4);
    return { width: 30, height: 30, rgba };
  }

  // The random tiny CLIP cannot tell the colours apart zero-shot (its prompts' features nearly coincide): an adapter
  // on both towers separates the prototypes and the images (towers 'image' alone plateaus at 2 of 3 classes here).
  it('8 shots per class train the adapter (both towers) past zero-shot accuracy on held-out images', async () => {
    const dir = writeClipFolder(tmp.dir);
    const model = loadModel(dir);
    const tok = loadTokenizer(dir);
    const labels = ['red', 'green', 'blue'];
    const rand = seededRandom(11);
    const set = (n: number) =>
      Array.from({ length: 3 * n }, (_, i) => ({ cls: i % 3, img: image(i % 3, rand) }));
    const train = set(8);
    const test = set(20);
    const accuracy = async (hooks?: Parameters<typeof rankLabels>[3]) => {
      const batch = zeroShotBatch({ model, tok, dir, images: test.map((t) => t.img), labels });
      const ranked = await rankLabels(model, batch, labels, hooks);
      tf.dispose(Object.values(batch));
      return ranked.filter((r, i) => r[0]?.label === labels[test[i]!.cls]).length / test.length;
    };
    const zeroShot = await accuracy();

    const adapter = clipAdapterMethod.create(model, config({ towers: 'both' }), 3);
    const batch = zeroShotBatch({ model, tok, dir, images: train.map((t) => t.img), labels });
    const targets = tf.oneHot(
      tf.tensor1d(
        train.map((t) => t.cls),
        'int32',
      ),
      3,
    );
    const opt = tf.train.adam(0.1);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 80; step++) {
      opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            targets,
            model.forward(batch, { hooks: adapter.hooks }).logits,
          ) as tf.Scalar,
        false,
        [...adapter.weights.values()],
      );
    }
    // Adam's moments are created on the first step; nothing else may accumulate.
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(4 * adapter.weights.size);
    const fewShot = await accuracy(adapter.hooks);
    console.log(`CLIP-Adapter few-shot accuracy ${fewShot.toFixed(3)} vs zero-shot ${zeroShot.toFixed(3)}`);
    expect(fewShot).toBeGreaterThan(zeroShot);
    expect(fewShot).toBeGreaterThanOrEqual(0.9);
    opt.dispose();
    tf.dispose([targets, ...Object.values(batch)]);
    adapter.dispose();
    model.dispose();
  });
});
