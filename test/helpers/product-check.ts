/**
 * What the webgpu product-program tests (mixed-matmul, f32-matmul) share: seeded operands, the largest difference,
 * a CPU product summed in f64 with each operand passed through `round`, and a chain of products whose gradients
 * exercise the engine's transposed-operand path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul } from '../../src-main/engine/ops/matmul.ts';
import { matMulAdd } from '../../src-main/engine/ops/matmul-epilogue.ts';

/** Values in [-scale, scale) from a linear congruential generator: the same for a seed on every machine. */
export function values(shape: number[], seed: number, scale = 1): Float32Array {
  const n = shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** a·b for 2-D row-major arrays (a [m, k], b [k, n]) with operands passed through `round`, summed in f64. */
export function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  round: (x: number) => number = (x) => x,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += round(a[i * k + q] as number) * round(b[q * n + j] as number);
      out[i * n + j] = s;
    }
  return out;
}

export const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs((x[i] as number) - (y[i] as number)));
  return d;
};

/**
 * A trainable product feeding a frozen one with its bias in the epilogue (x's gradient only through the frozen
 * weight): `run` takes the gradients of x and w and lists the tf.js kernels that ran (Transpose among them or not).
 */
export function productChain(): {
  run(): Promise<{ grads: Float32Array[]; kernels: string[] }>;
  dispose(): void;
} {
  const x = tf.tensor2d(values([80, 72], 11), [80, 72]);
  const w = tf.variable(tf.tensor2d(values([72, 68], 12, 0.2), [72, 68]), true);
  const frozen = tf.variable(tf.tensor2d(values([68, 64], 13, 0.2), [68, 64]), false);
  const bias = tf.tensor1d(values([64], 14));
  const f = (xx: tf.Tensor) =>
    matMulAdd(matMul(xx as tf.Tensor2D, w), frozen, bias)
      .square()
      .sum();
  return {
    async run() {
      let grads: tf.Tensor[] = [];
      const info = await tf.profile(() => {
        grads = tf.grads(f)([x, w]);
        return grads;
      });
      const out = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
      tf.dispose(grads);
      return { grads: out, kernels: info.kernels.map((k) => k.name) };
    },
    dispose: () => tf.dispose([x, w, frozen, bias]),
  };
}
