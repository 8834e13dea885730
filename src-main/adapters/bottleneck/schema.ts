/** Bottleneck adapters' options and capabilities: the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const bottleneckSchema = z
  .object({
    type: z.literal('bottleneck'),
    variant: z
      .enum(['houlsby', 'pfeiffer'])
      .default('pfeiffer')
      .describe('houlsby: after attention and after the FFN; pfeiffer: after the FFN only'),
    placement: z
      .enum(['sequential', 'parallel'])
      .default('sequential')
      .describe("sequential: transforms the sub-layer's output; parallel: a scaled branch beside it"),
    reductionFactor: z
      .number()
      .positive()
      .optional()
      .describe('Bottleneck size = hidden size / factor (default 16); smaller factor, more capacity'),
    bottleneckSize: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Bottleneck width; overrides the reduction factor'),
    activation: z
      .enum(['relu', 'gelu', 'swish', 'silu', 'tanh'])
      .default('relu')
      .describe('Non-linearity between the down- and up-projection')
      .meta({ title: 'Non-linearity' }),
    scaling: z.number().positive().default(1).describe('Output scaling of a parallel adapter'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    bottleneck: typeof bottleneckSchema;
  }
}

defineMethod({
  type: 'bottleneck',
  schema: bottleneckSchema,
  info: {
    label: 'Bottleneck adapter',
    trains:
      'small down-project / non-linearity / up-project modules after attention and/or the FFN (Houlsby, Pfeiffer)',
    typicalPercent: '0.5–4%',
    inferenceCost: 'a few small matmuls per layer (a few % latency)',
    order: 10,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no bottleneck adapter: export as adapterhub or bundle instead' },
    adapterhub: true,
    appliesTo: 'transformers',
  },
});
