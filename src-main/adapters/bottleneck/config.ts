import { UserError } from '../../errors.ts';

/** Bottleneck adapter options (Houlsby et al. 2019; Pfeiffer et al. 2021), checked in one place. */
export interface BottleneckConfig {
  /** houlsby: after the attention block and after the FFN; pfeiffer: after the FFN only. */
  variant: 'houlsby' | 'pfeiffer';
  /** sequential: transforms the sub-layer's output; parallel: a branch beside the sub-layer, scaled. */
  placement: 'sequential' | 'parallel';
  /** hidden / bottleneck; ignored when bottleneckSize is given. */
  reductionFactor?: number;
  bottleneckSize?: number;
  activation: 'relu' | 'gelu' | 'swish' | 'silu' | 'tanh';
  /** Output scaling of a parallel adapter. */
  scaling: number;
}

/** Default reduction factors follow AdapterHub: 16 for Pfeiffer, 16 per adapter for Houlsby. */
export function bottleneckSize(c: BottleneckConfig, hidden: number): number {
  if (c.bottleneckSize !== undefined) {
    if (!Number.isInteger(c.bottleneckSize) || c.bottleneckSize <= 0)
      throw new UserError(`bottleneckSize must be a positive integer`);
    return c.bottleneckSize;
  }
  const rf = c.reductionFactor ?? 16;
  if (!(rf > 0)) throw new UserError(`reductionFactor must be positive, got ${rf}`);
  return Math.max(1, Math.floor(hidden / rf));
}

export const positionsOf = (c: BottleneckConfig): ('attention' | 'ffn')[] =>
  c.variant === 'houlsby' ? ['attention', 'ffn'] : ['ffn'];
