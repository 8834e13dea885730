import * as tf from '@tensorflow/tfjs-core';

/** Seeded initialisers, so two runs with one seed start from the same adapter weights. */
export const uniform = (shape: number[], bound: number, seed: number): tf.Tensor =>
  tf.randomUniform(shape, -bound, bound, 'float32', seed);

export const normal = (shape: number[], std: number, seed: number): tf.Tensor =>
  tf.randomNormal(shape, 0, std, 'float32', seed);

/** A trainable variable from an initial value (the initial tensor is disposed). */
export function trainableVar(value: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(value, true, name);
  value.dispose();
  return v;
}

let counter = 0;
/** tf.js variable names are global; every adapter gets its own namespace. */
export const uniqueScope = (method: string): string => `${method}${++counter}/`;
