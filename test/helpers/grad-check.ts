/**
 * Checks an op of ours against the plain tf.js formulation: values and gradients of sum(f · fixed random
 * weights), so every output element matters, ours on cpu and wasm (or the backends given) against the reference
 * on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export type Fn = (...xs: tf.Tensor[]) => tf.Tensor;
type Result = { value: number[]; grads: number[][] };

export const seeded = (shape: number[], seed: number): tf.Tensor =>
  tf.randomUniform(shape, -1, 1, 'float32', seed);

/** max |a - b| / max |b|: relative to the reference's scale. */
export function relErr(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return diff / scale;
}

/** An `expectSame(ours, reference, shapes, tol)` whose inputs and output weights come from these seeds. */
export function sameAsReference(seeds: { inputs: number; weights: number }) {
  async function run(backend: string, f: Fn, shapes: number[][]): Promise<Result> {
    await tf.setBackend(backend);
    const outs = tf.tidy(() => {
      const xs = shapes.map((s, i) => seeded(s, seeds.inputs + i));
      const loss = (...a: tf.Tensor[]) => {
        const y = f(...a);
        return y.mul(seeded(y.shape, seeds.weights)).sum();
      };
      const { value, grads } = tf.valueAndGrads(loss)(xs);
      return [value, ...grads];
    });
    // data(), not dataSync(): GPU backends read back asynchronously.
    const arrays = await Promise.all(outs.map(async (t) => Array.from(await t.data())));
    tf.dispose(outs);
    return { value: arrays[0] ?? [], grads: arrays.slice(1) };
  }
  return async function expectSame(
    ours: Fn,
    reference: Fn,
    shapes: number[][],
    tol = 1e-5,
    backends: readonly string[] = ['cpu', 'wasm'],
  ): Promise<void> {
    const ref = await run('cpu', reference, shapes);
    for (const backend of backends) {
      const got = await run(backend, ours, shapes);
      expect(relErr(got.value, ref.value), `${backend} value`).toBeLessThan(tol);
      got.grads.forEach((g, i) =>
        expect(relErr(g, ref.grads[i] ?? []), `${backend} grad ${i}`).toBeLessThan(tol),
      );
    }
  };
}
