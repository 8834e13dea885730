/**
 * What the ST-Adapter tests share, whatever the image model (the tiny ViT fixture, CLIP's vision tower): the
 * adapter's options, random clips laid out clip after clip, clips played backwards, and a forward pass's logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardHooks, Model, ModelInputs } from '../../src-main/models/index.ts';
import type { MethodConfig } from '../../src-shared/train-config.ts';

/** Every option away from its default, so the tests cover the spatial kernel and the activation too. */
export const ST_CONFIG: MethodConfig = {
  type: 'st-adapter',
  reductionFactor: 4,
  temporalKernel: 3,
  spatialKernel: 3,
  activation: 'gelu',
};

/** Frames per clip. */
export const T = 4;

/** Two clips of T random 32x32 frames, clip after clip. */
export const clips = (): tf.Tensor4D =>
  tf.randomNormal([2 * T, 3, 32, 32], 0, 1, 'float32', 5) as tf.Tensor4D;

export function logits(m: Model, inputs: ModelInputs, hooks: ForwardHooks = {}): Promise<Float32Array> {
  const out = m.forward(inputs, { hooks }).logits;
  return out.data().then((d) => (out.dispose(), d as Float32Array));
}

/** The clips with each clip's frames in reverse order. */
export function reversed(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, c, h, w] = x.shape;
    return x
      .reshape([n / T, T, c, h, w])
      .reverse(1)
      .reshape([n, c, h, w]) as tf.Tensor4D;
  });
}
