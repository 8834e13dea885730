/** DoRA's options and capabilities: LoRA's options (the same PEFT LoraConfig, with use_dora=True). */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';
import { loraSchema } from '../lora/schema.ts';

export const doraSchema = z.object({ ...loraSchema.shape, type: z.literal('dora') }).strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    dora: typeof doraSchema;
  }
}

defineMethod({
  type: 'dora',
  schema: doraSchema,
  info: {
    label: 'DoRA',
    trains:
      'a LoRA update to the direction of chosen weight matrices plus a magnitude per output feature (weight-decomposed LoRA)',
    typicalPercent: '0.1–1%',
    inferenceCost: 'none once merged into the weights',
    order: 21,
  },
  capabilities: { merges: true, peft: { type: 'LORA' }, adapterhub: false, appliesTo: 'transformers' },
});
