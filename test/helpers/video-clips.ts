/**
 * What the ST-Adapter tests share, whatever the image model (the tiny ViT fixture, CLIP's vision tower): the
 * adapter's options, random clips laid out clip after clip, clips played backwards, a forward pass's logits, a
 * gradient step, and the cases both models must pass (identity at init, sensitivity to frame order once trained).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createAdapter } from '../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../src-main/adapters/index.ts';
import type { ForwardHooks, Model, ModelInputs } from '../../src-main/models/index.ts';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { maxAbsDiff } from './reference.ts';

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

/**
 * How far a still clip (one random frame T times) lands from the image model on that frame: max |logits diff|.
 * An adapter that starts as identity keeps it at rounding error.
 */
async function stillClipGap(m: Model, hooks: ForwardHooks): Promise<number> {
  const frame = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 9) as tf.Tensor4D;
  const still = tf.tile(frame, [T, 1, 1, 1]) as tf.Tensor4D;
  const image = await logits(m, { pixelValues: frame });
  const stillClip = await logits(m, { pixelValues: still, frames: T }, hooks);
  tf.dispose([frame, still]);
  return maxAbsDiff(stillClip, image);
}

/** Random `up` weights in place of their zeros at init, so the adapter changes the output as a trained one does. */
export function randomizeUps(adapter: AdapterInstance, seed = 4): void {
  for (const [name, w] of adapter.weights)
    if (name.endsWith('up.weight')) w.assign(tf.randomNormal(w.shape, 0, 0.5, 'float32', seed));
}

/** Max |logits diff| between clips() and the same clips reversed: 0 to rounding for a model blind to frame order. */
async function reversalGap(m: Model, hooks: ForwardHooks = {}): Promise<number> {
  const pixels = clips();
  const back = reversed(pixels);
  const gap = maxAbsDiff(
    await logits(m, { pixelValues: pixels, frames: T }, hooks),
    await logits(m, { pixelValues: back, frames: T }, hooks),
  );
  tf.dispose([pixels, back]);
  return gap;
}

/** One plain gradient step of the adapter's weights on the logits' sum of squares (a training step's tensors). */
function gradientStep(m: Model, adapter: AdapterInstance, inputs: ModelInputs): void {
  const weights = [...adapter.weights.values()];
  const { value, grads } = tf.variableGrads(
    () => tf.tidy(() => m.forward(inputs, { hooks: adapter.hooks }).logits.square().sum() as tf.Scalar),
    weights,
  );
  tf.tidy(() => weights.forEach((w) => w.assign(w.sub(grads[w.name] as tf.Tensor))));
  tf.dispose([value, ...Object.values(grads)]);
}

/**
 * A training-mode forward of clips() with the adapter, checked to add only its `outputs` tensors (logits, and
 * lastHiddenState where the model returns one), then a gradient step, checked to leave no tensor behind once those
 * are disposed. Returns the clips (the caller disposes them) as inputs and the logits' shape.
 */
export function checkedVideoStep(
  m: Model,
  adapter: AdapterInstance,
  outputs: number,
): { inputs: { pixelValues: tf.Tensor4D; frames: number }; logitsShape: number[] } {
  const inputs = { pixelValues: clips(), frames: T };
  const before = tf.memory().numTensors;
  const out = m.forward(inputs, { hooks: adapter.hooks, training: true });
  expect(tf.memory().numTensors).toBe(before + outputs);
  const logitsShape = out.logits.shape;
  tf.dispose([out.logits, ...(out.lastHiddenState ? [out.lastHiddenState] : [])]);
  gradientStep(m, adapter, inputs);
  expect(tf.memory().numTensors).toBe(before);
  return { inputs, logitsShape };
}

/**
 * The cases every image model's ST-Adapter passes (PEFT's identity-at-init row, and what the adapter is for), run
 * on `model()` in the calling file's describe: at init it changes neither a clip's logits nor a still clip's (the
 * image model's on that frame); with non-zero ups it tells a clip from its reverse, which the frozen model cannot.
 */
export function stAdapterVideoCases(model: () => Model): void {
  it('starts as the frozen model on clips, and as the image model on a still clip', async () => {
    const m = model();
    const adapter = createAdapter(m, ST_CONFIG, 3);
    const pixels = clips();
    const frozen = await logits(m, { pixelValues: pixels, frames: T });
    const adapted = await logits(m, { pixelValues: pixels, frames: T }, adapter.hooks);
    expect(maxAbsDiff(adapted, frozen)).toBeLessThanOrEqual(1e-6);
    expect(await stillClipGap(m, adapter.hooks)).toBeLessThanOrEqual(1e-5);
    pixels.dispose();
    adapter.dispose();
  });

  it('with trained (non-zero) weights, tells a clip from its reverse; the frozen model cannot', async () => {
    const m = model();
    const adapter = createAdapter(m, ST_CONFIG, 3);
    randomizeUps(adapter);
    expect(await reversalGap(m)).toBeLessThanOrEqual(1e-5);
    expect(await reversalGap(m, adapter.hooks)).toBeGreaterThan(1e-3);
    adapter.dispose();
  });
}
