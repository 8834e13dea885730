/**
 * ST-Adapter on the tiny ViT fixture: identity at initialisation (on any clip it equals the frozen image model run
 * per frame; on a clip of identical frames, the image model on that frame), sensitivity to frame order once
 * trained weights are non-zero, the depthwise 3-D convolution against a plain loop, tensor hygiene and an exact
 * save/load round trip on video inputs.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../../src-main/adapters/index.ts';
import { depthwiseConv3d } from '../../../src-main/adapters/st-adapter/layer.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';
import {
  ST_CONFIG,
  T,
  clips,
  checkedVideoStep,
  logits,
  stAdapterVideoCases,
} from '../../helpers/video-clips.ts';

const tmp = tempDir('studio-st-adapter-');
let model: Model;
beforeAll(async () => {
  await useTestBackend();
  model = loadModel(path.join(HF_TINY_DIR, 'vit-imgcls', 'base'));
});
afterAll(() => {
  model.dispose();
  tmp.cleanup();
});

describe('ST-Adapter', () => {
  stAdapterVideoCases(() => model);

  it("the frozen video model is the image model's logits averaged over frames (the head is linear)", async () => {
    const pixels = clips();
    const frozen = await logits(model, { pixelValues: pixels, frames: T });
    const perFrame = await logits(model, { pixelValues: pixels });
    const labels = model.config.labels.length;
    const mean = Array.from({ length: 2 * labels }, (_, i) => {
      const clip = Math.floor(i / labels);
      let s = 0;
      for (let t = 0; t < T; t++) s += perFrame[(clip * T + t) * labels + (i % labels)] as number;
      return s / T;
    });
    expect(maxAbsDiff(frozen, mean)).toBeLessThanOrEqual(1e-5);
    pixels.dispose();
  });

  it('the depthwise 3-D convolution equals a plain loop with zero padding', async () => {
    const [n, t, h, w, c, kt, ks] = [2, 3, 4, 3, 2, 3, 3];
    const x = tf.randomNormal([n, t, h, w, c], 0, 1, 'float32', 1) as tf.Tensor5D;
    const k = tf.randomNormal([kt, ks, ks, c], 0, 1, 'float32', 2) as tf.Tensor4D;
    const b = tf.tensor1d([0.5, -0.25]);
    const out = depthwiseConv3d(x, k, b);
    const [xs, kv, got] = [await x.data(), await k.data(), await out.data()];
    const at = (i: number, a: number, y: number, z: number, ch: number) =>
      a < 0 || a >= t || y < 0 || y >= h || z < 0 || z >= w
        ? 0
        : (xs[(((i * t + a) * h + y) * w + z) * c + ch] as number);
    const want: number[] = [];
    for (let i = 0; i < n; i++)
      for (let a = 0; a < t; a++)
        for (let y = 0; y < h; y++)
          for (let z = 0; z < w; z++)
            for (let ch = 0; ch < c; ch++) {
              let s = ch === 0 ? 0.5 : -0.25;
              for (let da = 0; da < kt; da++)
                for (let dy = 0; dy < ks; dy++)
                  for (let dz = 0; dz < ks; dz++)
                    s +=
                      at(i, a + da - 1, y + dy - 1, z + dz - 1, ch) *
                      (kv[((da * ks + dy) * ks + dz) * c + ch] as number);
              want.push(s);
            }
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, k, b, out]);
  });

  it('a video forward pass and a training step leave no tensors behind; save/load is exact', async () => {
    const adapter = createAdapter(model, ST_CONFIG, 3);
    const { inputs } = checkedVideoStep(model, adapter, 2); // logits and lastHiddenState

    const trained = await logits(model, inputs, adapter.hooks);
    const dir = path.join(tmp.dir, 'st');
    const { type: _t, ...config } = ST_CONFIG;
    await saveAdapter(model, adapter, config, dir, baseIdentity(model));
    const loaded = loadAdapter(model, dir);
    expect(maxAbsDiff(await logits(model, inputs, loaded.hooks), trained)).toBe(0);
    loaded.dispose();
    adapter.dispose();
    inputs.pixelValues.dispose();
  });

  it('refuses a model without a patch grid', () => {
    const resnet = loadModel(path.join(HF_TINY_DIR, 'resnet-imgcls', 'base'));
    expect(() => createAdapter(resnet, ST_CONFIG, 1)).toThrow(/vision transformer/);
    resnet.dispose();
  });
});
