import type { MethodConfig } from '../../src-shared/train-config.ts';
import type { BottleneckConfig } from '../../src-main/adapters/bottleneck/config.ts';

/**
 * A bottleneck adapter's full config: sequential, ReLU, scaling 1 and reduction factor 16 unless `o` says
 * otherwise (every field spelled out, so a change of the schema's defaults does not change the tests; keys in the
 * order the tests wrote them by hand, for whatever serializes the config).
 */
export const bottleneckConfig = ({
  variant,
  ...o
}: Pick<BottleneckConfig, 'variant'> & Partial<Omit<BottleneckConfig, 'variant'>>): MethodConfig => ({
  type: 'bottleneck',
  variant,
  placement: 'sequential',
  activation: 'relu',
  scaling: 1,
  reductionFactor: 16,
  ...o,
});

/** A sequential bottleneck adapter with ReLU and reduction factor 16, Houlsby (after attention and FFN) or Pfeiffer. */
export const bottleneck16 = (variant: 'houlsby' | 'pfeiffer'): MethodConfig => bottleneckConfig({ variant });
