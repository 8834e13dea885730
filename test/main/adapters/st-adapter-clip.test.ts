/**
 * ST-Adapter in the shipped CLIP's vision tower (models/studio-clip-small read as a video classifier): the tower
 * calls the `videoTokens` hook before each of its blocks and the text tower never does; identity at initialisation
 * (a clip of identical frames gives the frozen tower's output on that frame); adapters sized by the vision tower;
 * the linear probe's head; tensor hygiene and an exact save/load round trip, also through a fresh load of the base.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import { loadBaseForAdapter } from '../../../src-main/adapters/base-for-adapter.ts';
import { resolveModelDir } from '../../../src-main/models/default-model.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { ForwardHooks, Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';
import { ST_CONFIG, checkedVideoStep, logits, stAdapterVideoCases } from '../../helpers/video-clips.ts';

const tmp = tempDir('studio-st-adapter-clip-');
const CLIP_DIR = resolveModelDir('studio-clip-small');
const LABELS = ['left-to-right', 'right-to-left'];
let model: Model;
beforeAll(async () => {
  await useTestBackend();
  model = loadModel(CLIP_DIR, { task: 'sequence-classification', labels: LABELS, video: true });
});
afterAll(() => {
  model.dispose();
  tmp.cleanup();
});

describe('ST-Adapter in CLIP vision tower', () => {
  it('is read as a video classifier: a linear head on the vision tower, no label prompts', () => {
    expect(model.config.headModules).toEqual(['classifier']);
    expect(model.params.get('classifier.weight').shape).toEqual([128, LABELS.length]);
    // Read for images, the same folder keeps its prompt classes and has no linear head.
    const images = loadModel(CLIP_DIR, { task: 'sequence-classification', labels: LABELS });
    expect(images.config.headModules).toEqual([]);
    expect(images.params.has('classifier.weight')).toBe(false);
    images.dispose();
  });

  it('only the vision tower calls videoTokens, once per vision layer, with its patch grid', () => {
    const base = loadModel(CLIP_DIR);
    const seen: { layer: number; rows: number; grid: string }[] = [];
    const hooks: ForwardHooks = {
      videoTokens: (layer, x, g) => (seen.push({ layer, rows: x.shape[0], grid: JSON.stringify(g) }), x),
    };
    tf.tidy(() => {
      const ids = tf.tensor2d([[5, 6, 7, 1]], [1, 4], 'int32');
      base.forward({ inputIds: ids, attentionMask: tf.onesLike(ids) }, { hooks }).logits.dispose();
    });
    expect(seen).toEqual([]);
    tf.tidy(() => {
      const pixels = tf.zeros([2, 3, 32, 32]) as tf.Tensor4D;
      base.forward({ pixelValues: pixels }, { hooks }).logits.dispose();
    });
    // 4 vision layers (the text tower has 3); 32x32 images in 4x4 patches: an 8x8 grid plus [CLS].
    const grid = JSON.stringify({ clips: 2, frames: 1, prefix: 1, height: 8, width: 8 });
    expect(seen).toEqual([0, 1, 2, 3].map((layer) => ({ layer, rows: 2 * 65, grid })));
    base.dispose();
  });

  it('sizes its modules by the vision tower, not the text tower that stands for the model', () => {
    const adapter = createAdapter(model, ST_CONFIG, 3);
    const downs = [...adapter.weights.keys()].filter((n) => n.endsWith('.down.weight'));
    expect(downs).toHaveLength(4);
    expect(adapter.weights.get('st_adapter.0.down.weight')?.shape).toEqual([128, 32]);
    adapter.dispose();
  });

  stAdapterVideoCases(() => model);

  it('a linear probe trains only the head on the frame-averaged features', () => {
    const probe = createAdapter(model, { type: 'head' }, 1);
    expect([...probe.weights.keys()].sort()).toEqual(['classifier.bias', 'classifier.weight']);
    probe.dispose();
  });

  it('CLIP-Adapter and prompt tuning, which need label prompts, are refused on clips in one line', () => {
    expect(() =>
      createAdapter(model, { type: 'clip-adapter', towers: 'image', reductionFactor: 4, alpha: 0.2 }, 1),
    ).toThrow(/for video clips use st-adapter or the linear probe/);
    expect(() => createAdapter(model, { type: 'prompt', virtualTokens: 4 }, 1)).toThrow(
      /for video clips use st-adapter or the linear probe/,
    );
  });

  it('a video forward pass and a training step leave no tensors behind; save/load is exact', async () => {
    const adapter = createAdapter(model, ST_CONFIG, 3);
    const { inputs, logitsShape } = checkedVideoStep(model, adapter, 1); // logits only
    expect(logitsShape).toEqual([2, LABELS.length]);

    const trained = await logits(model, inputs, adapter.hooks);
    const dir = path.join(tmp.dir, 'st');
    const { type: _t, ...config } = ST_CONFIG;
    await saveAdapter(
      model,
      adapter,
      { ...config, labels: LABELS, task: 'classification', video: true },
      dir,
      baseIdentity(model),
    );
    const loaded = loadAdapter(model, dir);
    expect(maxAbsDiff(await logits(model, inputs, loaded.hooks), trained)).toBe(0);
    loaded.dispose();
    // As the playground and export load it: the base read again as a video classifier from the adapter's folder.
    const base = loadBaseForAdapter(CLIP_DIR, dir);
    const again = loadAdapter(base, dir);
    expect(maxAbsDiff(await logits(base, inputs, again.hooks), trained)).toBe(0);
    again.dispose();
    base.dispose();
    adapter.dispose();
    inputs.pixelValues.dispose();
  });
});
