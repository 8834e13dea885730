/**
 * The device-side step (training/device-step.ts) leaves weights and optimizer moments untouched when its loss is
 * not finite, on the CPU and on webgpu (lavapipe where no GPU exists): a diverged GPU run keeps, and saves, the
 * weights of the step before, as the op-by-op loop does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { AdamW } from '../../../src-main/training/adamw.ts';
import { deviceStep } from '../../../src-main/training/device-step.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const noGpu = await useWebGpuForTests();
afterAll(async () => {
  await tf.setBackend(noGpu ? 'cpu' : 'webgpu');
});

async function twoSteps(
  backend: string,
  second: 'finite' | 'nan',
): Promise<{ before: number[][]; after: number[][] }> {
  await tf.setBackend(backend);
  const w = tf.variable(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]), true, 'w');
  const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const optimizer = new AdamW({ weightDecay: 0.1 });
  const trainable = new Map([['w', w]]);
  const step = (poison: boolean) => {
    const scalars = tf.tensor1d(optimizer.nextStep(0.1));
    const out = deviceStep({
      loss: () => {
        const l = x.matMul(w).square().mean() as tf.Scalar;
        return poison ? (l.mul(NaN) as tf.Scalar) : l;
      },
      trainable,
      optimizer,
      scalars,
      maxNorm: 1,
    });
    tf.dispose([scalars, out]);
  };
  const read = async () =>
    Promise.all([w, ...optimizer.stateVariables()].map(async (t) => Array.from(await t.data())));
  step(false);
  const before = await read();
  step(second === 'nan');
  const after = await read();
  tf.dispose([w, x]);
  optimizer.dispose();
  return { before, after };
}

describe('device step with a loss that is not finite', () => {
  for (const backend of ['cpu', 'webgpu']) {
    it.skipIf(backend === 'webgpu' && noGpu !== null)(
      `${backend}: changes nothing (and a finite step does)`,
      async () => {
        const bad = await twoSteps(backend, 'nan');
        expect(bad.after).toEqual(bad.before);
        const good = await twoSteps(backend, 'finite');
        expect(good.after).not.toEqual(good.before);
        for (const t of good.after) for (const v of t) expect(Number.isFinite(v)).toBe(true);
      },
    );
  }
});
