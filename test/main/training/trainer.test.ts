import * as tf from '@tensorflow/tfjs-core';
// The cpu backend and core's gradients, as every engine process registers them.
import '../../../src-main/engine/tf-core.ts';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { trainOptionsSchema } from '../../../src-shared/train-config.ts';
import type { TrainOptions } from '../../../src-shared/train-config.ts';
import {
  LOSS_RISE_FACTOR,
  lossRiseWarning,
  planSteps,
  trainLoop,
} from '../../../src-main/training/trainer.ts';
import type { CheckpointState } from '../../../src-main/training/trainer.ts';
import type { TrainTask } from '../../../src-main/training/task.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A linearly separable toy problem: logistic regression on 2-D points, label = x0 + x1 > 0. */
function toyTask(
  opts: { poison?: boolean; flipTrainLabels?: boolean; onLoss?: () => void; onEvaluate?: () => void } = {},
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
  const batchOf = (idx: readonly number[], flip = false) => ({
    x: tf.tensor2d(
      idx.flatMap((i) => [xs[2 * i] ?? 0, xs[2 * i + 1] ?? 0]),
      [idx.length, 2],
    ),
    y: tf.tensor1d(idx.map((i) => (flip ? 1 - (ys[i] ?? 0) : (ys[i] ?? 0)))),
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
    makeBatch: (idx) => batchOf(idx, opts.flipTrainLabels),
    disposeBatch: (b) => tf.dispose([b.x, b.y]),
    loss: (b) => {
      opts.onLoss?.();
      return lossOf(b);
    },
    batchUnits: (b) => b.x.shape[0],
    evaluate: async () => {
      opts.onEvaluate?.();
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

  it("logs where the loop's time went: steps, batches, evaluations, checkpoints and the first epoch", async () => {
    const task = toyTask();
    const logs: string[] = [];
    let saved = 0;
    await trainLoop(task, opts({ evalEvery: 5 }), {
      onLog: (m) => logs.push(m),
      onCheckpoint: async () => {
        saved++;
      },
    });
    task.dispose();
    const line = logs.find((m) => m.startsWith('loop timings: ')) ?? '';
    // 24 steps, 8 per epoch; evaluations at steps 5, 10, 15, 20 and at the three epoch ends: 7 (none twice).
    expect(line).toMatch(
      /^loop timings: 24 steps \d+\.\d\d s, 24 batches made \d+\.\d\d s, 7 evaluations \d+\.\d\d s \(first \d+\.\d\d s\), (\d+) checkpoints \d+\.\d\d s; first epoch \d+\.\d\d s of \d+\.\d\d s in all$/,
    );
    expect(Number(/(\d+) checkpoints/.exec(line)?.[1])).toBe(saved);
    // Off the GPU no step is replayed: no split of the steps.
    expect(line).not.toContain('replayed');
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

/** Like an IPC message from main: a macrotask, handled only when the loop lets the event loop run. */
const fromEventLoop = (f: () => void) => setImmediate(f);

describe('pause and cancel (messages arrive between steps)', () => {
  it('a cancel stops within one step and leaves a checkpoint at that step', async () => {
    const task = toyTask();
    let cancelled = false;
    const saved: number[] = [];
    const result = await trainLoop(task, opts(), {
      onProgress: (p) => {
        if (p.step === 3) fromEventLoop(() => (cancelled = true));
      },
      isCancelled: () => cancelled,
      onCheckpoint: async (kind, state) => {
        if (kind === 'checkpoint-last') saved.push(state.position.step);
      },
    });
    expect(result.status).toBe('cancelled');
    expect(result.position.step).toBe(3);
    expect(saved.at(-1)).toBe(3);
    task.dispose();
  });

  it('a cancel between micro-batches saves whole steps: resuming from it ends as an uninterrupted run', async () => {
    const o = opts({ gradAccumulation: 2, evalEvery: 0 });
    const full = toyTask();
    await trainLoop(full, o);
    const expected = await weightsOf(full);
    full.dispose();

    let cancelled = false;
    let calls = 0;
    // The 7th micro-batch is the first of step 4 (two per step): cancel arrives while it runs.
    const first = toyTask({ onLoss: () => ++calls === 7 && fromEventLoop(() => (cancelled = true)) });
    let saved: CheckpointState | undefined;
    const r1 = await trainLoop(first, o, {
      isCancelled: () => cancelled,
      onCheckpoint: async (kind, state) => void (kind === 'checkpoint-last' && (saved = state)),
    });
    first.dispose();
    expect(r1.status).toBe('cancelled');
    expect(saved?.position).toMatchObject({ step: 3, batchInEpoch: 6 });
    const second = toyTask();
    await trainLoop(second, o, {}, saved);
    expect(await weightsOf(second)).toEqual(expected);
    second.dispose();
  });

  it('a pause stops within one step; resuming gives the same losses and weights as an uninterrupted run', async () => {
    const full = toyTask();
    const fullLosses: number[] = [];
    await trainLoop(full, opts(), { onProgress: (p) => fullLosses.push(p.loss) });
    const expected = await weightsOf(full);
    full.dispose();

    const task = toyTask();
    const losses: number[] = [];
    let paused = false;
    const pausedAt: number[] = [];
    const checkpoints: number[] = [];
    let pauseCheckpoint: CheckpointState | undefined;
    const result = await trainLoop(task, opts(), {
      onProgress: (p) => {
        losses.push(p.loss);
        if (p.step === 5) fromEventLoop(() => (paused = true));
      },
      isPaused: () => paused,
      waitWhilePaused: async (step) => {
        pausedAt.push(step);
        await new Promise<void>((r) => fromEventLoop(r));
        paused = false;
      },
      onCheckpoint: async (kind, state) => {
        checkpoints.push(state.position.step);
        if (state.position.step === 5) pauseCheckpoint = state;
      },
    });
    expect(result.status).toBe('completed');
    expect(pausedAt).toEqual([5]);
    expect(checkpoints).toContain(5);
    expect(losses).toEqual(fullLosses);
    expect(await weightsOf(task)).toEqual(expected);
    task.dispose();

    // The checkpoint written at the pause resumes exactly too (a paused run survives closing the app).
    const again = toyTask();
    await trainLoop(again, opts(), {}, pauseCheckpoint);
    expect(await weightsOf(again)).toEqual(expected);
    again.dispose();
  });
});

describe('evaluation inside the loop', () => {
  it('evaluates once at a step that is both an evalEvery step and an epoch end', async () => {
    const task = toyTask();
    const evals: number[] = [];
    // 64 examples in batches of 8: 8 steps per epoch, so evalEvery 8 falls on every epoch end.
    await trainLoop(task, opts({ evalEvery: 8 }), { onEval: (step) => evals.push(step) });
    expect(evals).toEqual([8, 16, 24]);
    task.dispose();
  });

  it('does not count evaluation time in the next step (throughput stays level after an evaluation)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const stepMs = 40;
      // Each step takes stepMs on the clock and each evaluation a hundred times more.
      const task = toyTask({
        onLoss: () => vi.setSystemTime(Date.now() + stepMs),
        onEvaluate: () => vi.setSystemTime(Date.now() + 100 * stepMs),
      });
      const seen: number[] = [];
      await trainLoop(task, opts({ evalEvery: 3 }), { onProgress: (p) => seen.push(p.stepMs) });
      expect(seen).toHaveLength(24);
      expect(Math.max(...seen) / Math.min(...seen)).toBe(1);
      task.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('runs that end badly without failing', () => {
  it('flags a completed run whose loss rose far above its start', async () => {
    // Trained on flipped labels, evaluated on the true ones: the validation loss climbs well past the start.
    const task = toyTask({ flipTrainLabels: true });
    const result = await trainLoop(task, opts());
    expect(result.status).toBe('completed');
    const start = result.position.startLoss ?? NaN;
    expect(result.lastMetrics.loss).toBeGreaterThan(LOSS_RISE_FACTOR * start);
    expect(result.status === 'completed' && result.warning).toMatch(
      /^loss rose from 0\.693 at the first step/,
    );
    task.dispose();

    const good = toyTask();
    const fine = await trainLoop(good, opts());
    expect(fine.status === 'completed' && fine.warning).toBeUndefined();
    good.dispose();
  });

  it('words the warning with the start and the end, and stays quiet without a rise', () => {
    expect(lossRiseWarning(0.69, 2664.2)).toMatch(/from 0\.690 at the first step to 2,664:/);
    expect(lossRiseWarning(0.69, 1.3)).toBeUndefined();
    expect(lossRiseWarning(undefined, 5)).toBeUndefined();
  });

  it('the divergence message does not advise enabling clipping, which is already on', async () => {
    const task = toyTask({ poison: true });
    const result = await trainLoop(task, opts({ gradClip: 0.5 }));
    const message = result.status === 'diverged' ? result.message : '';
    expect(message).not.toMatch(/enable gradient clipping/);
    expect(message).toMatch(/clipped to norm 0\.5; lower the learning rate/);
    task.dispose();
  });
});
