/**
 * LoRA's tensors and math: for a linear layer, A [in, r] and B [r, out] (PEFT stores their transposes); for a
 * Conv2d, A is a convolution with the base's kernel, stride and padding into r channels, and B a 1x1 convolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, epiloguesOn, lowRankAdd, matMul } from '../../engine/ops/index.ts';
import { trainableVar, uniform } from '../base/init.ts';
import type { ConvInfo, LinearInfo } from '../../models/base/hooks.ts';

export interface LoraPair {
  kind: 'linear' | 'conv';
  a: tf.Variable;
  b: tf.Variable;
  conv?: ConvInfo;
  linear?: LinearInfo;
}

/** The low-rank update's output for input x (2-D for linear, NHWC for conv), times `scale`. */
export function loraDelta(p: LoraPair, x: tf.Tensor, scale: number): tf.Tensor {
  if (p.kind === 'linear')
    return matMul(matMul(x as tf.Tensor2D, p.a as tf.Tensor2D), p.b as tf.Tensor2D).mul(scale);
  const info = p.conv as ConvInfo;
  const mid = conv2d(x as tf.Tensor4D, p.a as tf.Tensor4D, info.stride, info.pad);
  return conv2d(mid, p.b as tf.Tensor4D, 1, 0).mul(scale);
}

/**
 * `y + x·A·B·scale` for a linear pair, y the frozen layer's output. With the matmul epilogues on (webgpu), y is
 * added in the last product's epilogue and the scale rides in a product (engine/ops/low-rank.ts), not a
 * multiply of its own. Otherwise the composed form of {@link loraDelta}.
 */
export function loraAdd(p: LoraPair, x: tf.Tensor2D, y: tf.Tensor2D, scale: number): tf.Tensor2D {
  if (!epiloguesOn()) return y.add(loraDelta(p, x, scale));
  return lowRankAdd(x, p.a as tf.Tensor2D, p.b as tf.Tensor2D, y, scale);
}

/** The update in the base weight's tf layout: [in, out] for linear, [kh, kw, in, out] for conv. */
export function loraWeightDelta(p: LoraPair, scale: number): tf.Tensor {
  return tf.tidy(() => {
    if (p.kind === 'linear') return tf.matMul(p.a as tf.Tensor2D, p.b as tf.Tensor2D).mul(scale);
    const [kh, kw, inC, r] = p.a.shape as [number, number, number, number];
    const outC = p.b.shape[3] as number;
    return tf
      .matMul(p.a.reshape([kh * kw * inC, r]), p.b.reshape([r, outC]))
      .reshape([kh, kw, inC, outC])
      .mul(scale);
  });
}

/**
 * A fresh linear pair as PEFT initialises it: A ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)) and
 * B = 0, so the model starts unchanged. `name` prefixes the variables' names (scope and module).
 */
export function initLinearPair(
  info: LinearInfo,
  r: number,
  name: string,
  seed: number,
): { a: tf.Variable; b: tf.Variable } {
  return {
    a: trainableVar(uniform([info.inFeatures, r], 1 / Math.sqrt(info.inFeatures), seed), `${name}.A`),
    b: trainableVar(tf.zeros([r, info.outFeatures]), `${name}.B`),
  };
}
