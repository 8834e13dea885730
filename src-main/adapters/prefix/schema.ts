/** Prefix tuning's options and capabilities: the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const prefixSchema = z
  .object({
    type: z.literal('prefix'),
    prefixLength: z.number().int().positive().default(10).describe('Trained keys and values per layer'),
    projectionSize: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Hidden size of the reparameterisation MLP used while training; default: the model's hidden size",
      ),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    prefix: typeof prefixSchema;
  }
}

defineMethod({
  type: 'prefix',
  schema: prefixSchema,
  info: {
    label: 'Prefix tuning',
    trains: 'per-layer key/value prefixes (reparameterised by an MLP while training)',
    typicalPercent: '0.1–2%',
    inferenceCost: 'longer keys/values in every attention layer',
    order: 50,
  },
  capabilities: {
    merges: false,
    peft: {
      unavailable:
        "our prefixes are not mapped onto PEFT's prefix-tuning layout yet: export a bundle instead",
    },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
