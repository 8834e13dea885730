import { describe, expect, it } from 'vitest';
import { diffConfigs, flattenConfig, formatLeaf } from '../../src-renderer/lib/config-diff.ts';

describe('flattenConfig', () => {
  it('joins nested keys with dots', () => {
    expect(
      flattenConfig({ method: { type: 'lora', r: 8 }, train: { lr: 0.001, earlyStopping: { patience: 3 } } }),
    ).toEqual({ 'method.type': 'lora', 'method.r': 8, 'train.lr': 0.001, 'train.earlyStopping.patience': 3 });
  });

  it('keeps arrays, null and empty objects as single leaves', () => {
    expect(flattenConfig({ targets: ['query', 'value'], a: null, b: {} })).toEqual({
      targets: '["query","value"]',
      a: null,
      b: '{}',
    });
  });

  it('skips undefined values', () => {
    expect(flattenConfig({ a: undefined, b: 1 })).toEqual({ b: 1 });
  });
});

describe('diffConfigs', () => {
  const a = { method: { type: 'bottleneck', reductionFactor: 16 }, train: { lr: 0.001, epochs: 3 } };
  const b = { method: { type: 'lora', r: 8 }, train: { lr: 0.0005, epochs: 3 } };

  it('lines up every key, sorted, with each run’s value', () => {
    const rows = diffConfigs([a, b]);
    expect(rows.map((r) => r.key)).toEqual([
      'method.r',
      'method.reductionFactor',
      'method.type',
      'train.epochs',
      'train.lr',
    ]);
    expect(rows.find((r) => r.key === 'method.r')?.values).toEqual([undefined, 8]);
    expect(rows.find((r) => r.key === 'train.epochs')).toEqual({
      key: 'train.epochs',
      values: [3, 3],
      differs: false,
    });
  });

  it('counts a missing key as a difference, and keeps only differences when asked', () => {
    expect(diffConfigs([a, b], true).map((r) => r.key)).toEqual([
      'method.r',
      'method.reductionFactor',
      'method.type',
      'train.lr',
    ]);
  });

  it('has no differences for a single run or identical runs', () => {
    expect(diffConfigs([a], true)).toEqual([]);
    expect(diffConfigs([a, structuredClone(a)], true)).toEqual([]);
  });

  it('tells arrays apart by content', () => {
    const rows = diffConfigs([{ t: ['q'] }, { t: ['q'] }, { t: ['q', 'v'] }]);
    expect(rows[0]?.differs).toBe(true);
    expect(diffConfigs([{ t: ['q'] }, { t: ['q'] }])[0]?.differs).toBe(false);
  });
});

describe('formatLeaf', () => {
  it('shows a dash for a missing key and null as null', () => {
    expect(formatLeaf(undefined)).toBe('—');
    expect(formatLeaf(null)).toBe('null');
    expect(formatLeaf(false)).toBe('false');
    expect(formatLeaf(0.5)).toBe('0.5');
  });
});
