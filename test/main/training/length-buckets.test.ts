/**
 * Length buckets of webgpu training batches (training/length-buckets.ts): the buckets for a max length, the padded
 * length of a batch, the switch that turns them off, the run log's line, and the memory check that falls back to
 * one length (preflight/gpu-fit.ts). Pure arithmetic: no backend.
 */
import { describe, expect, it } from 'vitest';
import {
  capturedLengths,
  lengthBuckets,
  plannedBuckets,
  trainPadding,
} from '../../../src-main/training/length-buckets.ts';
import { bucketsOverMemory } from '../../../src-main/training/preflight/gpu-fit.ts';
import { estimateMemory, estimateTrainable } from '../../../src-main/training/preflight/sizes.ts';
import { BERT_BASE_DIMS, MB, preflightConfig } from '../../helpers/preflight.ts';

describe('length buckets', () => {
  it('doubles from 16 and always ends at the max length', () => {
    expect(lengthBuckets(128)).toEqual([16, 32, 64, 128]);
    expect(lengthBuckets(100)).toEqual([16, 32, 64, 100]);
    expect(lengthBuckets(16)).toEqual([16]);
    expect(lengthBuckets(10)).toEqual([10]);
    expect(capturedLengths(512)).toEqual([512, 512, 256, 128, 64]);
  });

  it('pads a batch to the smallest bucket holding its longest row, and names the buckets used', () => {
    const p = trainPadding(undefined, 128, true, {});
    expect([2, 16, 17, 33, 64, 65, 128].map((n) => p?.padTo(n))).toEqual([16, 16, 32, 64, 64, 128, 128]);
    expect(p?.describe()).toBe(
      'batches padded to length buckets 16 (2), 32 (1), 64 (2), 128 (2) (of maxLength 128)',
    );
    p?.oneLength();
    expect(p?.padTo(20)).toBe(128);
  });

  it('pads to the max length with STUDIO_LENGTH_BUCKETS=0, to a given length, and not at all off webgpu', () => {
    const off = trainPadding(undefined, 128, true, { STUDIO_LENGTH_BUCKETS: '0' });
    expect([off?.padTo(20), off?.describe()]).toEqual([128, null]);
    expect(trainPadding(40, 128, false, {})?.padTo(20)).toBe(40);
    expect(trainPadding(undefined, 128, false, {})).toBeUndefined();
  });

  it('pads an evaluation batch to its training bucket, or to the max length with buckets off', () => {
    const p = trainPadding(undefined, 128, true, {});
    expect([3, 16, 37, 100, 128, 130].map((n) => p?.evalPadTo(n))).toEqual([16, 16, 64, 128, 128, 130]);
    expect(p?.describe()).toBeNull(); // evaluation batches are not counted as training batches
    const off = trainPadding(undefined, 128, true, { STUDIO_LENGTH_BUCKETS: '0' });
    expect([3, 37].map((n) => off?.evalPadTo(n))).toEqual([128, 128]);
  });

  it("leaves out a bucket that few of the run's batches would use, judged from the rows' lengths", () => {
    // 70% of rows within 32 tokens, 99% within 64: a batch of 16 has its longest row within 32 with probability
    // 0.7^16 = 0.3%, so about 1 of 390 batches would use the 32 bucket (and none the 16): both join 64.
    const lengths = [...Array(70).fill(20), ...Array(29).fill(50), 100];
    expect(plannedBuckets(128, { lengths, rows: 16, batches: 390 })).toEqual([64, 128]);
    // Batches of 2 rows: half of them within 32 (0.7^2 = 49%), so the 32 bucket stays; 16 holds no row.
    expect(plannedBuckets(128, { lengths, rows: 2, batches: 390 })).toEqual([32, 64, 128]);
    // A short run: about 5 of 10 batches in the 32 bucket are too few to pay for its capture; 64 keeps the rest.
    expect(plannedBuckets(128, { lengths, rows: 2, batches: 10 })).toEqual([64, 128]);
    // No plan (or no rows): every bucket.
    expect(plannedBuckets(128)).toEqual([16, 32, 64, 128]);
    expect(plannedBuckets(128, { lengths: [], rows: 16, batches: 390 })).toEqual([16, 32, 64, 128]);
    // With the step's work per token: a bucket whose batches pad more cheaply than its capture costs joins too.
    // Batches of 2 over 390 steps: ~190 batches in the 32 bucket. Padded to 64 at 10 TFLOP/s: 190 x 2 x 32 tokens x
    // 13M FLOPs = 0.016 s (the default model's size: left out); at 3G FLOPs a token (a 750M model: kept) 3.6 s.
    expect(plannedBuckets(128, { lengths, rows: 2, batches: 390, flopsPerToken: 13e6 })).toEqual([128]);
    expect(plannedBuckets(128, { lengths, rows: 2, batches: 390, flopsPerToken: 3e9 })).toEqual([
      32, 64, 128,
    ]);
    // STUDIO_LENGTH_BUCKETS=all keeps them all.
    const all = trainPadding(
      undefined,
      128,
      true,
      { STUDIO_LENGTH_BUCKETS: 'all' },
      { lengths, rows: 16, batches: 1 },
    );
    expect([20, 50].map((n) => all?.padTo(n))).toEqual([32, 64]);
    const p = trainPadding(undefined, 128, true, {}, { lengths, rows: 16, batches: 390 });
    expect([20, 50, 100].map((n) => p?.padTo(n))).toEqual([64, 64, 128]);
    expect(p?.rows).toBe(16);
  });

  it('pads shorter batches with rows on webgpu only, with buckets on or off, not for a given length', () => {
    const plan = { lengths: [10, 20], rows: 8, batches: 100 };
    expect(trainPadding(undefined, 128, true, {}, plan)?.rows).toBe(8);
    expect(trainPadding(undefined, 128, true, { STUDIO_LENGTH_BUCKETS: '0' }, plan)?.rows).toBe(8);
    expect(trainPadding(40, 128, true, {}, plan)?.rows).toBeUndefined();
    expect(trainPadding(undefined, 128, false, {}, plan)).toBeUndefined();
    expect(trainPadding(undefined, 128, true, {}, { ...plan, rows: 1 })?.rows).toBeUndefined();
  });

  it('says nothing when every batch had one length', () => {
    const p = trainPadding(undefined, 128, true, {});
    p?.padTo(50);
    p?.padTo(60);
    expect(p?.describe()).toBeNull();
  });
});

describe("the buckets' captures against the GPU's memory", () => {
  const bert = BERT_BASE_DIMS;
  const config = preflightConfig({ type: 'lora', r: 8, alpha: 16 }, { batchSize: 32, maxLength: 512 });
  const trainable = estimateTrainable(config, bert);
  const one = estimateMemory(config, bert, trainable);

  it('holds the activations of each captured length: a memory between one and all of them falls back', () => {
    const over = bucketsOverMemory(config, bert, (one.total + 1) * MB, trainable);
    expect(over?.activations).toBeGreaterThan(2 * one.activations);
    expect(bucketsOverMemory(config, bert, (over?.total ?? 0) * MB + 1, trainable)).toBeNull();
    expect(bucketsOverMemory(config, bert, null, trainable)).toBeNull();
  });
});
