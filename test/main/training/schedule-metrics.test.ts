import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, macroF1, perplexity } from '../../../src-main/training/metrics.ts';
import { learningRate } from '../../../src-main/training/schedule.ts';

describe('learning-rate schedules', () => {
  const base = { baseLr: 1, totalSteps: 110, warmupSteps: 10 };
  it('warms up linearly from zero', () => {
    expect(learningRate(0, { ...base, kind: 'linear' })).toBe(0);
    expect(learningRate(5, { ...base, kind: 'cosine' })).toBeCloseTo(0.5);
    expect(learningRate(10, { ...base, kind: 'linear' })).toBeCloseTo(1);
  });
  it('decays linearly or along a half cosine to zero', () => {
    expect(learningRate(60, { ...base, kind: 'linear' })).toBeCloseTo(0.5);
    expect(learningRate(60, { ...base, kind: 'cosine' })).toBeCloseTo(0.5);
    expect(learningRate(35, { ...base, kind: 'cosine' })).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)));
    expect(learningRate(110, { ...base, kind: 'linear' })).toBe(0);
    expect(learningRate(110, { ...base, kind: 'cosine' })).toBeCloseTo(0);
  });
  it('stays constant after warm-up when asked', () => {
    expect(learningRate(100, { ...base, kind: 'constant' })).toBe(1);
  });
});

describe('metrics', () => {
  it('accuracy and macro-F1 on a worked example', () => {
    const gold = [0, 0, 1, 1, 2, 2];
    const pred = [0, 1, 1, 1, 2, 0];
    expect(accuracy(pred, gold)).toBeCloseTo(4 / 6);
    // class 0: tp1 fp1 fn1 -> 0.5; class 1: tp2 fp1 fn0 -> 0.8; class 2: tp1 fp0 fn1 -> 2/3
    expect(macroF1(pred, gold, 3)).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3);
  });
  it('perplexity is exp of the mean negative log-likelihood', () => {
    expect(perplexity(Math.log(7))).toBeCloseTo(7);
  });
  it('argmax per row', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.3, 0.2, 5, -1], 2, 3))).toEqual([1, 1]);
  });
});
