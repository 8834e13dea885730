/**
 * Length buckets of webgpu training batches (training/length-buckets.ts): the buckets for a max length, the padded
 * length of a batch, the switch that turns them off, the run log's line, and the memory check that falls back to
 * one length (preflight/gpu-fit.ts). Pure arithmetic: no backend.
 */
import { describe, expect, it } from 'vitest';
import {
  capturedLengths,
  evalPadTo,
  lengthBuckets,
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
    expect(p?.describe()).toBe('batches padded to length buckets 16, 32, 64, 128 (of maxLength 128)');
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
    expect([3, 16, 37, 100, 128, 130].map(evalPadTo(128, {}))).toEqual([16, 16, 64, 128, 128, 130]);
    expect([3, 37].map(evalPadTo(128, { STUDIO_LENGTH_BUCKETS: '0' }))).toEqual([128, 128]);
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
