/** VeRA's options and capabilities: the one definition the config, the form, export and PEFT read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';
import { targetsSchema } from '../lora/schema.ts';

export const veraSchema = z
  .object({
    type: z.literal('vera'),
    r: z
      .number()
      .int()
      .positive()
      .default(256)
      .describe('Rank of the shared random projections (VeRA affords far larger ranks than LoRA)')
      .meta({ title: 'Rank r' }),
    dInitial: z
      .number()
      .default(0.1)
      .describe(
        'Initial value of the trained vector lambda_d (lambda_b starts at zero: the model starts unchanged)',
      ),
    dropout: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe("Dropout on the VeRA branch's input, while training only; in [0, 1)"),
    targets: targetsSchema,
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    vera: typeof veraSchema;
  }
}

defineMethod({
  type: 'vera',
  schema: veraSchema,
  info: {
    label: 'VeRA',
    trains:
      'two scaling vectors per chosen weight matrix around frozen random projections shared by every layer (vector-based random matrix adaptation)',
    typicalPercent: '< 0.1%',
    inferenceCost: 'none once merged into the weights',
    order: 22,
  },
  capabilities: { merges: true, peft: { type: 'VERA' }, adapterhub: false, appliesTo: 'transformers' },
});
