import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainOptionsSchema } from '../../../src-shared/train-config.ts';
import type { TrainOptions } from '../../../src-shared/train-config.ts';
import { planSteps, trainLoop } from '../../../src-main/training/trainer.ts';
import type { CheckpointState } from '../../../src-main/training/trainer.ts';
import type { TrainTask } from '../../../src-main/training/task.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A linearly separable toy problem: logistic regression on 2-D points, label = x0 + x1 > 0. */
function toyTask(
  opts: { poison?: boolean } = {},
): TrainTask<{ x: tf.Tensor2D; y: tf.Tensor1D }> & { dispose(): void } {
  const n = 64;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 1.7) * 2;
    const b = Math.cos(i * 2.3) * 2;
    xs.push(a, b);
    ys.push(a + b > 0 ? 1 : 0);
  }
  const [w0, b0] = [tf.zeros([2, 1]), tf.zeros([1])];
  const w = tf.variable(w0, true, `toy/w${Math.random()}`);
  const bias = tf.variable(b0, true, `toy/b${Math.random()}`);
  tf.dispose([w0, b0]);
  const trainable = new Map([
    ['w', w],
    ['bias', bias],
  ]);
  const batchOf = (idx: readonly number[]) => ({
    x: tf.tensor2d(
      idx.flatMap((i) => [xs[2 * i] ?? 0, xs[2 * i + 1] ?? 0]),
      [idx.length, 2],
    ),
    y: tf.tensor1d(idx.map((i) => ys[i] ?? 0)),
  });
  const lossOf = (batch: { x: tf.Tensor2D; y: tf.Tensor1D }) =>
    tf.tidy(() => {
      const logits = batch.x.matMul(w).reshape([-1]).add(bias);
      const l = tf.losses.sigmoidCrossEntropy(batch.y, logits) as tf.Scalar;
      return opts.poison ? (l.mul(tf.scalar(Infinity)) as tf.Scalar) : l;
    });
  return {
    trainable,
    trainSize: n,
    makeBatch: (idx) => batchOf(idx),
    disposeBatch: (b) => tf.dispose([b.x, b.y]),
    loss: (b) => lossOf(b),
    batchUnits: (b) => b.x.shape[0],
    evaluate: async () => {
      const all = batchOf(Array.from({ length: n }, (_, i) => i));
      const loss = lossOf(all);
      const acc = tf.tidy(() =>
        all.x
          .matMul(w)
          .reshape([-1])
          .add(bias)
          .greater(0)
          .cast('float32')
          .equal(all.y)
          .cast('float32')
          .mean(),
      );
      const out = { loss: (await loss.data())[0] ?? NaN, accuracy: (await acc.data())[0] ?? NaN };
      tf.dispose([loss, acc, all.x, all.y]);
      return out;
    },
    dispose: () => tf.dispose([w, bias]),
  };
}

const opts = (o: Partial<TrainOptions> = {}): TrainOptions =>
  trainOptionsSchema.parse({ epochs: 3, batchSize: 8, lr: 0.1, warmupRatio: 0.1, ...o });

const weightsOf = async (t: TrainTask<unknown>) =>
  Object.fromEntries(
    await Promise.all([...t.trainable].map(async ([k, v]) => [k, Array.from(await v.data())])),
  );

describe('training loop', () => {
  it('plans steps from dataset size, batch size and accumulation', () => {
    expect(planSteps(64, opts({ batchSize: 8, epochs: 3 }))).toEqual({
      microPerEpoch: 8,
      stepsPerEpoch: 8,
      totalSteps: 24,
    });
    expect(planSteps(65, opts({ batchSize: 8, gradAccumulation: 4, epochs: 2 })).totalSteps).toBe(6);
    expect(planSteps(64, opts({ maxSteps: 5 })).totalSteps).toBe(5);
  });

  it('learns the toy problem, reports progress and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const task = toyTask();
    const progress: number[] = [];
    const result = await trainLoop(task, opts(), { onProgress: (p) => progress.push(p.step) });
    expect(result.status).toBe('completed');
    expect(progress).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(result.lastMetrics.accuracy).toBeGreaterThan(0.9);
    task.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic for a seed, and a run resumed from a checkpoint ends exactly as an uninterrupted one', async () => {
    const full = toyTask();
    await trainLoop(full, opts({ evalEvery: 5 }));
    const expected = await weightsOf(full);
    full.dispose();

    // Cancel after 11 steps; the last checkpoint is at step 10 (evalEvery 5); resume from it.
    const first = toyTask();
    let saved: CheckpointState | undefined;
    let steps = 0;
    const r1 = await trainLoop(first, opts({ evalEvery: 5 }), {
      onProgress: () => steps++,
      isCancelled: () => steps >= 11,
      onCheckpoint: async (kind, state) => {
        if (kind === 'checkpoint-last' && state.position.step % 5 === 0) saved = state;
      },
    });
    expect(r1.status).toBe('cancelled');
    first.dispose();
    expect(saved?.position.step).toBe(10);
    const second = toyTask();
    const r2 = await trainLoop(second, opts({ evalEvery: 5 }), {}, saved);
    expect(r2.status).toBe('completed');
    expect(await weightsOf(second)).toEqual(expected);
    second.dispose();
  });

  it('stops as diverged, naming the step, when the loss is not finite', async () => {
    const task = toyTask({ poison: true });
    const result = await trainLoop(task, opts());
    expect(result.status).toBe('diverged');
    expect(result.status === 'diverged' && result.message).toMatch(/at step 1\b/);
    task.dispose();
  });

  it('stops early when the metric stops improving and keeps the best checkpoint', async () => {
    const task = toyTask();
    const kinds: string[] = [];
    const result = await trainLoop(
      task,
      opts({ epochs: 40, lr: 0.5, evalEvery: 1, earlyStopping: { metric: 'accuracy', patience: 3 } }),
      { onCheckpoint: async (kind) => void kinds.push(kind) },
    );
    expect(result.status).toBe('completed');
    expect(result.position.step).toBeLessThan(40 * 8);
    expect(result.position.evalsWithoutImprovement).toBe(3);
    expect(kinds).toContain('checkpoint-best');
    task.dispose();
  });
});
