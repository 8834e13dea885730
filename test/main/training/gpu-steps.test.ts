/**
 * The training loop on webgpu (a real GPU, or lavapipe where there is none): captured and replayed steps give the
 * losses and weights of steps run op by op, including across the shorter last batch of an epoch (its own capture
 * with a given length; padded with masked rows to the full batch's shape with length buckets).
 * Skipped, with the reason, where no WebGPU adapter exists.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GpuSteps } from '../../../src-main/training/gpu-steps.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import type { Example } from '../../../src-main/training/session.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { runLoraLoop } from '../../helpers/lora-loop.ts';
import type { LoraLoopRun } from '../../helpers/lora-loop.ts';
import { useWebGpuForTests } from '../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu training-loop tests skipped: ${unavailable}`);

let model: Model | undefined;
afterAll(() => model?.dispose());

const examples = (n: number, seed: number): Example[] =>
  Array.from({ length: n }, (_, r) => {
    const len = 4 + ((r * 5 + seed) % 9);
    const ids = [2, ...Array.from({ length: len }, (_, i) => 5 + ((r * 31 + i * 7 + seed) % 90)), 3];
    return { ids, typeIds: ids.map(() => 0), label: (r + seed) % 3 };
  });

/**
 * Trains 3 epochs of `n` examples in batches of 3, `accumulation` micro-batches per step. Every batch padded to
 * length 16 (a last batch of 1 row is a shape of its own), or with `buckets` as buildTask pads on webgpu (the last
 * batch padded with masked rows to 3).
 */
const run = (capture: boolean, n = 10, accumulation = 1, onStep?: (step: number) => void, buckets = false) =>
  runLoraLoop(model as Model, examples(n, 1), {
    capture,
    buckets,
    ...(onStep ? { onStep } : {}),
    options: {
      epochs: 3,
      batchSize: 3,
      lr: 5e-3,
      seed: 11,
      dropout: true,
      gradClip: 1,
      gradAccumulation: accumulation,
    },
    lora: { r: 4, alpha: 8 },
    adapterSeed: 3,
    numLabels: 3,
    length: 16,
  });

/** Losses to 5 decimals and weights within 1e-5. */
function expectSameTraining(captured: LoraLoopRun, plain: LoraLoopRun): void {
  captured.losses.forEach((l, i) => expect(l).toBeCloseTo(plain.losses[i] as number, 5));
  for (const [k, ref] of plain.weights) {
    const got = captured.weights.get(k) as number[];
    expect(Math.max(...got.map((x, i) => Math.abs(x - (ref[i] as number))))).toBeLessThan(1e-5);
  }
}

/** Rows of 10, 24 and 50 tokens: with max length 64 they fall in the length buckets 16, 32 and 64. */
const bucketed = (n: number): Example[] =>
  Array.from({ length: n }, (_, r) => {
    const len = [8, 22, 48][r % 3] as number;
    const ids = [2, ...Array.from({ length: len }, (_, i) => 5 + ((r * 31 + i * 7) % 90)), 3];
    return { ids, typeIds: ids.map(() => 0), label: r % 3 };
  });

/**
 * 3 epochs of 9 one-row batches, in the shuffled order: the three buckets interleave at random (all kept: a run's
 * plan would leave out the small ones on a model this small).
 */
const runBuckets = async (capture: boolean) => {
  process.env.STUDIO_LENGTH_BUCKETS = 'all';
  return loopOverBuckets(capture).finally(() => delete process.env.STUDIO_LENGTH_BUCKETS);
};
const loopOverBuckets = (capture: boolean) =>
  runLoraLoop(model as Model, bucketed(9), {
    capture,
    options: { epochs: 3, batchSize: 1, lr: 5e-3, seed: 5, dropout: true, gradClip: 1 },
    lora: { r: 4, alpha: 8 },
    adapterSeed: 3,
    numLabels: 3,
    length: 64,
    buckets: true,
  });

describe.skipIf(unavailable !== null)('training loop on webgpu', () => {
  it('pads batches to length buckets, captures each bucket once and trains as op-by-op steps', async () => {
    model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    const plain = await runBuckets(false);
    const captured = await runBuckets(true);
    expect(captured.result.status).toBe('completed');
    expect(captured.losses).toHaveLength(27);
    const log = captured.logs.join('\n');
    const shapes = [...log.matchAll(/GPU steps captured for batches of shape int32:(\S+):/g)].map(
      (m) => m[1],
    );
    expect(shapes.sort()).toEqual(['1x16', '1x32', '1x64']);
    const counts =
      /batches padded to length buckets 16 \((\d+)\), 32 \((\d+)\), 64 \((\d+)\) \(of maxLength 64\)/
        .exec(log)
        ?.slice(1)
        .map(Number);
    expect(counts?.reduce((a, b) => a + b, 0)).toBe(27);
    // Each bucket's first step runs plainly and its next two are recorded; every other step replays. One bucket's
    // first two recordings differed by one GPU command (299 vs 300: a constant still being made), so it recorded a
    // third: 27 - 3 - 6 - 1 replayed.
    const replayed = Number(/GPU steps: (\d+) of 27 replayed from 3 captures/.exec(log)?.[1]);
    expect(replayed).toBeGreaterThanOrEqual(17);
    expectSameTraining(captured, plain);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("pads an epoch's last, shorter batch with masked rows: one capture, replayed there too, training as unpadded", async () => {
    model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    // 10 rows in batches of 3: each epoch ends with a batch of 1 row, padded to 3 (rows of at most 14 tokens: the
    // one bucket of max length 16).
    const padded = (capture: boolean) => run(capture, 10, 1, undefined, true);
    const captured = await padded(true);
    const log = captured.logs.join('\n');
    expect(log.match(/GPU steps captured for batches of shape int32:3x16:/g)).toHaveLength(1);
    // A plain step and two recordings; the other 9 of 12 replay, the 1-row batches among them.
    expect(log).toContain('GPU steps: 9 of 12 replayed from 1 capture;');
    expectSameTraining(captured, await padded(false));
    // The same training as the batches unpadded (given length 16: no rows added), op by op.
    expectSameTraining(captured, await run(false));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('drops the least recently used capture beyond STUDIO_GPU_CAPTURES and still trains as op-by-op steps', async () => {
    model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    const plain = await runBuckets(false);
    process.env.STUDIO_GPU_CAPTURES = '2';
    const captured = await runBuckets(true).finally(() => delete process.env.STUDIO_GPU_CAPTURES);
    const log = captured.logs.join('\n');
    // Three buckets, two held: a bucket whose capture was dropped records again.
    expect(log.match(/GPU steps captured for batches/g)?.length).toBeGreaterThan(3);
    expect(Number(/GPU steps: (\d+) of 27 replayed/.exec(log)?.[1])).toBeGreaterThan(0);
    expectSameTraining(captured, plain);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('replays captured steps with the losses and weights of op-by-op steps', async () => {
    model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    const plain = await run(false);
    const captured = await run(true);
    expect(captured.result.status).toBe('completed');
    expect(captured.logs.join('\n')).toMatch(
      /GPU steps captured for batches of shape [\dx:a-z]+: \d+ kernels/,
    );
    expect(captured.losses).toHaveLength(12);
    // The first steps run plainly or recorded and each epoch's 1-row batch runs op by op; the rest replay.
    const replayed = Number(/GPU steps: (\d+) of 12 replayed/.exec(captured.logs.join('\n'))?.[1]);
    expect(replayed).toBeGreaterThanOrEqual(4);
    expectSameTraining(captured, plain);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("reads a replayed step's loss while the next step runs, with the losses and weights of reading each at once", async () => {
    model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    const traced = async () => {
      const events: string[] = [];
      let launches = 0;
      const launch = GpuSteps.prototype.launch;
      const spy = vi.spyOn(GpuSteps.prototype, 'launch').mockImplementation(function (
        this: GpuSteps<unknown>,
        ...a
      ) {
        events.push(`launch ${++launches}`);
        return launch.apply(this, a);
      });
      const r = await run(true, 10, 1, (step) => events.push(`progress ${step}`)).finally(() =>
        spy.mockRestore(),
      );
      return { r, events };
    };
    process.env.STUDIO_GPU_PIPELINE = '0';
    const atOnce = await traced().finally(() => delete process.env.STUDIO_GPU_PIPELINE);
    const pipelined = await traced();
    // Read at once, every step reports before the next is launched.
    atOnce.events.forEach((e, i) => {
      const m = /launch (\d+)/.exec(e);
      if (m && Number(m[1]) > 1) expect(atOnce.events[i - 1]).toBe(`progress ${Number(m[1]) - 1}`);
    });
    // Pipelined, some step is launched before the previous one reported: the GPU had the next step queued.
    const early = pipelined.events.filter((e, i) => {
      const m = /launch (\d+)/.exec(e);
      return m && Number(m[1]) > 1 && pipelined.events[i - 1] !== `progress ${Number(m[1]) - 1}`;
    });
    expect(early.length).toBeGreaterThan(0);
    // Every step still reports once, in order, with the same loss; the weights are the same.
    expect(pipelined.events.filter((e) => e.startsWith('progress'))).toEqual(
      atOnce.events.filter((e) => e.startsWith('progress')),
    );
    expect(pipelined.r.losses).toEqual(atOnce.r.losses);
    for (const [k, ref] of atOnce.r.weights) expect(pipelined.r.weights.get(k)).toEqual(ref);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('captures whole steps of accumulated micro-batches, equal to the op-by-op loop (fewer at an epoch end)', async () => {
    model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    // 13 examples: micro-batches of 3, 3, 3, 3, 1 per epoch; steps of 2, 2 and 1 micro-batches.
    const plain = await run(false, 13, 2);
    const captured = await run(true, 13, 2);
    expect(captured.result.status).toBe('completed');
    expect(captured.losses).toHaveLength(9);
    const replayed = Number(/GPU steps: (\d+) of 9 replayed/.exec(captured.logs.join('\n'))?.[1]);
    expect(replayed).toBeGreaterThanOrEqual(2);
    expectSameTraining(captured, plain);
  });
});
