import { describe, expect, it } from 'vitest';
import { overlaidKeys } from '../../src-renderer/lib/chart-data.ts';

describe('overlaidKeys: the curves Compare draws', () => {
  it('leaves out the majority baseline, step timings and stages, and puts the losses first', () => {
    const series = [
      { split: 'system', name: 'baseline_accuracy' },
      { split: 'system', name: 'baseline_class' },
      { split: 'system', name: 'baseline_macroF1' },
      { split: 'system', name: 'throughput' },
      { split: 'validation', name: 'accuracy' },
      { split: 'train', name: 'loss' },
      { split: 'system', name: 'step_ms' },
      { split: 'validation', name: 'loss' },
      { split: 'train', name: 'loss' },
    ];
    expect(overlaidKeys(series)).toEqual([
      'train/loss',
      'validation/loss',
      'validation/accuracy',
      'system/throughput',
    ]);
  });
});
