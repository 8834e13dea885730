/**
 * The playground's video input: a clip given as one animated GIF or as its frames (PNG files in order) is one
 * example, and the adapter's probabilities are those of the model run on the clip's frames; on the shipped CLIP,
 * a video adapter's head answers (the base is read as a video classifier for it, not compared with prompts).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import { encodeGif, movingShapeClips } from '../../../src-main/data/moving-shapes.ts';
import { decodeClip } from '../../../src-main/data/video.ts';
import { toPixelValues } from '../../../src-main/data/index.ts';
import { ModelCache, predict } from '../../../src-main/inference/predict.ts';
import { resolveModelDir } from '../../../src-main/models/default-model.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { ForwardHooks, Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';
import { randomizeUps } from '../../helpers/video-clips.ts';

const tmp = tempDir('studio-predict-video-');
const vit = path.join(HF_TINY_DIR, 'vit-imgcls', 'base');
const adapterDir = path.join(tmp.dir, 'st');
let expected: number[];

/** The probabilities `model` with `hooks` gives the test's clip.gif, worked out here from its decoded frames. */
async function clipProbabilities(model: Model, hooks: ForwardHooks): Promise<number[]> {
  const frames = decodeClip(path.join(tmp.dir, 'clip.gif'));
  const pixels = new Float32Array(frames.length * 3 * 32 * 32);
  frames.forEach((f, i) => pixels.set(toPixelValues(f, 32), i * 3 * 32 * 32));
  const x = tf.tensor4d(pixels, [frames.length, 3, 32, 32]);
  const probs = tf.tidy(() =>
    tf.softmax(model.forward({ pixelValues: x, frames: frames.length }, { hooks }).logits),
  );
  const values = Array.from(await probs.data());
  tf.dispose([x, probs]);
  return values;
}

beforeAll(async () => {
  await useTestBackend();
  const model = loadModel(vit);
  const adapter = createAdapter(
    model,
    { type: 'st-adapter', reductionFactor: 4, temporalKernel: 3, spatialKernel: 1, activation: 'none' },
    2,
  );
  // Non-zero up-projections, so the adapter's temporal mixing shows in the probabilities.
  randomizeUps(adapter, 8);
  await saveAdapter(
    model,
    adapter,
    { reductionFactor: 4, temporalKernel: 3, spatialKernel: 1, activation: 'none' },
    adapterDir,
    baseIdentity(model),
  );
  const [clip] = movingShapeClips(1, 4);
  fs.writeFileSync(path.join(tmp.dir, 'clip.gif'), encodeGif(clip?.frames ?? [], 32));
  expected = await clipProbabilities(model, adapter.hooks);
  adapter.dispose();
  model.dispose();
});
afterAll(() => tmp.cleanup());

const topOf = async (framesBase64: string[]) => {
  const cache = new ModelCache();
  const r = await predict(cache, {
    model: vit,
    adapters: [{ key: 'st', title: 'st', dir: adapterDir }],
    framesBase64,
    topK: 4,
  });
  cache.dispose();
  const col = r.columns.find((c) => c.key === 'st');
  return new Map((col?.top ?? []).map((t) => [t.label, t.probability]));
};

describe('playground video input', () => {
  it('a GIF and its frames as PNG files give the probabilities of the model on the clip', async () => {
    const gif = fs.readFileSync(path.join(tmp.dir, 'clip.gif'));
    const fromGif = await topOf([gif.toString('base64')]);
    const pngs = decodeClip(path.join(tmp.dir, 'clip.gif')).map((f) => {
      const png = new PNG({ width: f.width, height: f.height });
      png.data.set(f.rgba);
      return PNG.sync.write(png).toString('base64');
    });
    const fromFrames = await topOf(pngs);
    expect(fromGif.size).toBe(4);
    for (const [label, p] of fromGif) expect(fromFrames.get(label)).toBeCloseTo(p, 6);
    ['LABEL_0', 'LABEL_1', 'LABEL_2', 'LABEL_3'].forEach((l, i) =>
      expect(fromGif.get(l)).toBeCloseTo(expected[i] as number, 5),
    );
    // The clip reversed is another input to the adapter: its probabilities move.
    const reversed = await topOf([...pngs].reverse());
    const moved = Math.max(...[...fromGif].map(([l, p]) => Math.abs(p - (reversed.get(l) ?? 0))));
    expect(moved).toBeGreaterThan(1e-4);
  });

  it("a clip on the shipped CLIP: the video adapter's head answers with the probabilities of the model", async () => {
    const labels = ['left-to-right', 'right-to-left'];
    const clip = loadModel(resolveModelDir('studio-clip-small'), {
      task: 'sequence-classification',
      labels,
      video: true,
    });
    const method = { reductionFactor: 4, temporalKernel: 3, spatialKernel: 1, activation: 'none' } as const;
    const adapter = createAdapter(clip, { type: 'st-adapter', ...method }, 2);
    randomizeUps(adapter, 8);
    const dir = path.join(tmp.dir, 'clip-st');
    await saveAdapter(
      clip,
      adapter,
      { ...method, labels, task: 'classification', video: true },
      dir,
      baseIdentity(clip),
    );
    const want = await clipProbabilities(clip, adapter.hooks);
    adapter.dispose();
    clip.dispose();

    const cache = new ModelCache();
    const gif = fs.readFileSync(path.join(tmp.dir, 'clip.gif')).toString('base64');
    const r = await predict(cache, {
      model: 'studio-clip-small',
      adapters: [{ key: 'st', title: 'st', dir }],
      framesBase64: [gif],
      topK: 2,
    });
    cache.dispose();
    expect(r.columns.find((c) => c.key === 'base')?.note).toMatch(
      /^no video head: the base alone cannot classify clips/,
    );
    const got = new Map(
      (r.columns.find((c) => c.key === 'st')?.top ?? []).map((t) => [t.label, t.probability]),
    );
    labels.forEach((l, i) => expect(got.get(l)).toBeCloseTo(want[i] as number, 5));
  });
});
