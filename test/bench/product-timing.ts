/**
 * Timing one matrix product on the webgpu backend for the product benches (mixed-products.ts, f32-products.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from '../../src-main/engine/webgpu/backend-internals.ts';

/** Runs f once inside a validation error scope: a program that failed to compile must not pass for a fast one. */
async function validated(f: () => tf.Tensor): Promise<void> {
  const device = webgpuBackend()?.device as {
    pushErrorScope(kind: string): void;
    popErrorScope(): Promise<{ message: string } | null>;
  };
  device.pushErrorScope('validation');
  const y = f();
  await y.data();
  y.dispose();
  const err = await device.popErrorScope();
  if (err) throw new Error(`GPU validation error: ${err.message.split('\n')[0]}`);
}

/** Mean ms of `reps` products after a validated run and 3 warm-up ones, timed to the last one's read-back. */
export async function timedProduct(f: () => tf.Tensor, reps: number): Promise<number> {
  await validated(f);
  for (let i = 0; i < 3; i++) {
    const w = f();
    await w.data();
    w.dispose();
  }
  const t0 = performance.now();
  const ys: tf.Tensor[] = [];
  for (let i = 0; i < reps; i++) ys.push(f());
  await (ys.at(-1) as tf.Tensor).data();
  const ms = (performance.now() - t0) / reps;
  tf.dispose(ys);
  return ms;
}
