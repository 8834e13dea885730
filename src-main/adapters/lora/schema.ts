/** LoRA's options and capabilities: the one definition the config, the form, export and PEFT read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

/** Module names (suffix match, PEFT's list semantics) or one regular expression matching the whole name. */
export const targetsSchema = z
  .union([z.array(z.string().min(1)), z.string().min(1)])
  .optional()
  .describe(
    "Modules to adapt: names matched as suffixes (e.g. query, value), or one regular expression; default: the architecture's usual targets",
  );

export const loraSchema = z
  .object({
    type: z.literal('lora'),
    r: z.number().int().positive().default(8).describe('Rank of the update B·A').meta({ title: 'Rank r' }),
    alpha: z.number().positive().default(16).describe('The update is scaled by alpha / r'),
    dropout: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe("Dropout on the LoRA branch's input, while training only; in [0, 1)"),
    targets: targetsSchema,
    rslora: z
      .boolean()
      .default(false)
      .describe('Rank-stabilised scaling alpha / sqrt(r) (Kalajdzievski 2023)')
      .meta({ title: 'rsLoRA' }),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    lora: typeof loraSchema;
  }
}

defineMethod({
  type: 'lora',
  schema: loraSchema,
  info: {
    label: 'LoRA',
    trains: 'low-rank updates B·A to chosen weight matrices (e.g. query and value)',
    typicalPercent: '0.1–1%',
    inferenceCost: 'none once merged into the weights',
    order: 20,
  },
  capabilities: { merges: true, peft: { type: 'LORA' }, adapterhub: false, appliesTo: 'all' },
});
