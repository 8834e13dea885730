/**
 * AdamW's update of one weight in two kernels (webgpu) instead of ~14 elementwise ones: both moments (held in one
 * [2, ...shape] tensor, the first moment then the second), then the weight. Same arithmetic, in the same order, as
 * the composed update in training/adamw.ts. With a `gate`
 * (float32 [1]: 1 applies the update, 0 keeps the old values) a step whose loss was not finite changes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ElementwiseProgram, runProgram } from './programs.ts';

/** `value`, or the old `M`/`P` element where the gate input K is 0 (K may hold f32 or i32: f32() reads both). */
const gated = (old: string, value: string, gate: boolean) =>
  gate ? `result[index] = select(${old}, ${value}, f32(K[0]) > 0.5);` : `result[index] = ${value};`;

/** Both moments from `mv` = [m, v] ([2, ...g.shape]): [beta1·m + (1 - beta1)·g, beta2·v + (1 - beta2)·g²]. */
export function gpuMoments(
  mv: tf.Tensor,
  g: tf.Tensor,
  beta1: number,
  beta2: number,
  gate?: tf.Tensor,
): tf.Tensor {
  const value = `select(
          M[index] * uniforms.beta2 + G[gi] * G[gi] * uniforms.oneMinusBeta2,
          M[index] * uniforms.beta1 + G[gi] * uniforms.oneMinusBeta1,
          index < n)`;
  const program = new ElementwiseProgram(
    `studio_adamw_moments_${gate !== undefined}`,
    gate ? ['M', 'G', 'K'] : ['M', 'G'],
    mv.size,
    `let n = uniforms.size / 2;
          let gi = index % n;
          ${gated('M[index]', value, gate !== undefined)}`,
    'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32,',
  );
  return tf.tidy(() =>
    runProgram(
      program,
      [mv.reshape([mv.size]), g.reshape([g.size]), ...(gate ? [gate] : [])],
      [beta1, 1 - beta1, beta2, 1 - beta2].map((x) => ({ type: 'float32' as const, data: [x] })),
    ).reshape(mv.shape),
  );
}

/**
 * p - lr·((m/c1) / (sqrt(v/c2) + eps) + wd·p) with `scalars` = [lr, c1, c2] (AdamW.nextStep), `mv` = [m, v] this step's
 * moments; wd 0 leaves out the decay term.
 */
export function gpuAdamWWeight(
  p: tf.Tensor,
  mv: tf.Tensor,
  scalars: tf.Tensor1D,
  epsilon: number,
  weightDecay: number,
  gate?: tf.Tensor,
): tf.Tensor {
  const step = 'M[index] / S[1] / (sqrt(M[index + uniforms.size] / S[2]) + uniforms.eps)';
  const value =
    weightDecay > 0 ? `P[index] - (${step} + P[index] * uniforms.wd) * S[0]` : `P[index] - ${step} * S[0]`;
  const program = new ElementwiseProgram(
    `studio_adamw_weight_${weightDecay > 0}_${gate !== undefined}`,
    gate ? ['P', 'M', 'S', 'K'] : ['P', 'M', 'S'],
    p.size,
    gated('P[index]', value, gate !== undefined),
    'eps : f32, wd : f32,',
  );
  const flat = (t: tf.Tensor) => t.reshape([p.size]);
  return tf.tidy(() =>
    runProgram(
      program,
      [flat(p), mv.reshape([mv.size]), scalars, ...(gate ? [gate] : [])],
      [
        { type: 'float32', data: [epsilon] },
        { type: 'float32', data: [weightDecay] },
      ],
    ).reshape(p.shape),
  );
}
