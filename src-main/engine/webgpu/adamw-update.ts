/**
 * AdamW's update of one weight in three kernels (webgpu) instead of ~14 elementwise ones: the two moments, then
 * the weight. Same arithmetic, in the same order, as the composed update in training/adamw.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { ElementwiseProgram, runProgram } from './programs.ts';

/** beta·m + (1 - beta)·g, or with `square` beta·v + (1 - beta)·g². */
export function gpuMoment(m: tf.Tensor, g: tf.Tensor, beta: number, square: boolean): tf.Tensor {
  const gi = square ? 'G[index] * G[index]' : 'G[index]';
  const program = new ElementwiseProgram(
    `studio_adamw_moment_${square}`,
    ['M', 'G'],
    m.size,
    `result[index] = M[index] * uniforms.beta + ${gi} * uniforms.oneMinusBeta;`,
    'beta : f32, oneMinusBeta : f32,',
  );
  return tf.tidy(() =>
    runProgram(
      program,
      [m.reshape([m.size]), g.reshape([m.size])],
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
): tf.Tensor {
  const step = 'M[index] / S[1] / (sqrt(V[index] / S[2]) + uniforms.eps)';
  const body =
    weightDecay > 0
      ? `result[index] = P[index] - (${step} + P[index] * uniforms.wd) * S[0];`
      : `result[index] = P[index] - ${step} * S[0];`;
  const program = new ElementwiseProgram(
    `studio_adamw_weight_${weightDecay > 0}`,
    ['P', 'M', 'V', 'S'],
    p.size,
    body,
    'eps : f32, wd : f32,',
  );
  const flat = (t: tf.Tensor) => t.reshape([p.size]);
  return tf.tidy(() =>
    runProgram(
      program,
      [flat(p), flat(m), flat(v), scalars],
      [
        { type: 'float32', data: [epsilon] },
        { type: 'float32', data: [weightDecay] },
      ],
    ).reshape(p.shape),
  );
}
