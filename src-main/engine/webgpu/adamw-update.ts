/**
 * AdamW's update of one weight in three kernels (webgpu) instead of ~14 elementwise ones: the two moments, then
 * the weight. Same arithmetic, in the same order, as the composed update in training/adamw.ts. With a `gate`
 * (float32 [1]: 1 applies the update, 0 keeps the old values) a step whose loss was not finite changes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ElementwiseProgram, runProgram } from './programs.ts';

/** `value`, or the old `M`/`P` element where the gate input K is 0 (K may hold f32 or i32: f32() reads both). */
const gated = (old: string, value: string, gate: boolean) =>
  gate ? `result[index] = select(${old}, ${value}, f32(K[0]) > 0.5);` : `result[index] = ${value};`;

/** beta·m + (1 - beta)·g, or with `square` beta·v + (1 - beta)·g². */
export function gpuMoment(
  m: tf.Tensor,
  g: tf.Tensor,
  beta: number,
  square: boolean,
  gate?: tf.Tensor,
): tf.Tensor {
  const gi = square ? 'G[index] * G[index]' : 'G[index]';
  const program = new ElementwiseProgram(
    `studio_adamw_moment_${square}_${gate !== undefined}`,
    gate ? ['M', 'G', 'K'] : ['M', 'G'],
    m.size,
    gated('M[index]', `M[index] * uniforms.beta + ${gi} * uniforms.oneMinusBeta`, gate !== undefined),
    'beta : f32, oneMinusBeta : f32,',
  );
  return tf.tidy(() =>
    runProgram(
      program,
      [m.reshape([m.size]), g.reshape([m.size]), ...(gate ? [gate] : [])],
      [
        { type: 'float32', data: [beta] },
        { type: 'float32', data: [1 - beta] },
      ],
    ).reshape(m.shape),
  );
}

/**
 * p - lr·((m/c1) / (sqrt(v/c2) + eps) + wd·p) with `scalars` = [lr, c1, c2] (AdamW.nextStep), m and v this step's
 * moments; wd 0 leaves out the decay term.
 */
export function gpuAdamWWeight(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  scalars: tf.Tensor1D,
  epsilon: number,
  weightDecay: number,
  gate?: tf.Tensor,
): tf.Tensor {
  const step = 'M[index] / S[1] / (sqrt(V[index] / S[2]) + uniforms.eps)';
  const value =
    weightDecay > 0 ? `P[index] - (${step} + P[index] * uniforms.wd) * S[0]` : `P[index] - ${step} * S[0]`;
  const program = new ElementwiseProgram(
    `studio_adamw_weight_${weightDecay > 0}_${gate !== undefined}`,
    gate ? ['P', 'M', 'V', 'S', 'K'] : ['P', 'M', 'V', 'S'],
    p.size,
    gated('P[index]', value, gate !== undefined),
    'eps : f32, wd : f32,',
  );
  const flat = (t: tf.Tensor) => t.reshape([p.size]);
  return tf.tidy(() =>
    runProgram(
      program,
      [flat(p), flat(m), flat(v), scalars, ...(gate ? [gate] : [])],
      [
        { type: 'float32', data: [epsilon] },
        { type: 'float32', data: [weightDecay] },
      ],
    ).reshape(p.shape),
  );
}
