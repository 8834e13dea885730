import type { MethodConfig } from '../../src-shared/train-config.ts';

/** A sequential bottleneck adapter with ReLU and reduction factor 16, Houlsby (after attention and FFN) or Pfeiffer. */
export const bottleneck16 = (variant: 'houlsby' | 'pfeiffer'): MethodConfig => ({
  type: 'bottleneck',
  variant,
  placement: 'sequential',
  activation: 'relu',
  scaling: 1,
  reductionFactor: 16,
});
