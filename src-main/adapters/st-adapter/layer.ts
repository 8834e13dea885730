/**
 * One ST-Adapter module (Pan et al. 2022): on a vision transformer's patch tokens, a down-projection, a depthwise
 * 3-D convolution over (time, height, width) of the patch grid, an optional non-linearity and an up-projection,
 * added back to the tokens. The prefix tokens ([CLS]) pass unchanged, as in the reference implementation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '../../engine/ops/index.ts';
import type { VideoGrid } from '../../models/base/hooks.ts';
import { activate } from '../../models/base/layers.ts';

export interface StModule {
  down: tf.Variable;
  downBias: tf.Variable;
  /** Depthwise kernel [kt, kh, kw, width]: one filter per bottleneck channel. */
  conv: tf.Variable;
  convBias: tf.Variable;
  up: tf.Variable;
  upBias: tf.Variable;
}

export type StActivation = 'none' | 'gelu' | 'relu';

export const stNames = (layer: number) => {
  const p = `st_adapter.${layer}`;
  return {
    down: `${p}.down.weight`,
    downBias: `${p}.down.bias`,
    conv: `${p}.conv.weight`,
    convBias: `${p}.conv.bias`,
    up: `${p}.up.weight`,
    upBias: `${p}.up.bias`,
  };
};

/**
 * Depthwise 3-D convolution, stride 1, zero "same" padding, on [clips, frames, height, width, channels]: a sum of
 * shifted copies times each tap's per-channel weight. Written with pad/slice/mul, which every backend
 * differentiates (tf.js has no depthwise conv3d, and its conv3d has no gradient on wasm). Every op is on rank-4
 * views ([clips, frames, height, width x channels]): tf.js's webgpu pad and broadcasting kernels emit invalid WGSL
 * for rank 5 (`vec5`), and their dispatches were dropped, leaving whatever the reused buffers held — ST-Adapter runs
 * on webgpu trained on garbage, differently every time.
 */
export function depthwiseConv3d(x: tf.Tensor5D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor5D {
  return tf.tidy(() => {
    const [kt, kh, kw] = kernel.shape;
    const [n, t, h, w, c] = x.shape;
    const [pt, ph, pw] = [(kt - 1) / 2, (kh - 1) / 2, (kw - 1) / 2];
    // Height and width padded on [clips x frames, height, width, channels], then frames on the merged view.
    const spatial = tf.pad(x.reshape([n * t, h, w, c]), [
      [0, 0],
      [ph, ph],
      [pw, pw],
      [0, 0],
    ]);
    const padded = tf.pad(spatial.reshape([n, t, h + 2 * ph, (w + 2 * pw) * c]), [
      [0, 0],
      [pt, pt],
      [0, 0],
      [0, 0],
    ]);
    // Per-channel weights repeated along the width: the merged last axis is (width, channel).
    const perColumn = (v: tf.Tensor1D) => tf.tile(v, [w]);
    let out: tf.Tensor = perColumn(bias);
    for (let a = 0; a < kt; a++)
      for (let b = 0; b < kh; b++)
        for (let d = 0; d < kw; d++) {
          const tap = perColumn(kernel.slice([a, b, d, 0], [1, 1, 1, c]).reshape([c]) as tf.Tensor1D);
          // Columns d..d+w-1 of every channel are one contiguous run of the merged (width, channel) axis.
          out = out.add(padded.slice([0, a, b, d * c], [n, t, h, w * c]).mul(tap));
        }
    return out.reshape([n, t, h, w, c]) as tf.Tensor5D;
  });
}

/** The tokens plus the adapter's update of their patch tokens, [rows, hidden] as the hook receives them. */
export function stAdapterForward(m: StModule, x: tf.Tensor2D, g: VideoGrid, act: StActivation): tf.Tensor2D {
  return tf.tidy(() => {
    const hidden = x.shape[1];
    const images = g.clips * g.frames;
    const patches = g.height * g.width;
    const tokens = x.reshape([images, g.prefix + patches, hidden]);
    const grid = tokens
      .slice([0, g.prefix, 0], [images, patches, hidden])
      .reshape([images * patches, hidden]);
    const width = m.down.shape[1] as number;
    const z = linear(grid as tf.Tensor2D, m.down, m.downBias).reshape([
      g.clips,
      g.frames,
      g.height,
      g.width,
      width,
    ]);
    const conv = depthwiseConv3d(z as tf.Tensor5D, m.conv as tf.Tensor4D, m.convBias as tf.Tensor1D);
    const mixed = act === 'none' ? conv : activate(conv, act);
    const delta = linear(mixed.reshape([images * patches, width]) as tf.Tensor2D, m.up, m.upBias);
    const update = tf.concat(
      [tf.zeros([images, g.prefix, hidden]), delta.reshape([images, patches, hidden])],
      1,
    );
    return x.add(update.reshape([images * (g.prefix + patches), hidden])) as tf.Tensor2D;
  });
}
