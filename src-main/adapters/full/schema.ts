/** Full fine-tuning (the baseline): no options; the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const fullSchema = z.object({ type: z.literal('full') }).strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    full: typeof fullSchema;
  }
}

defineMethod({
  type: 'full',
  schema: fullSchema,
  info: {
    label: 'Full fine-tuning (baseline)',
    trains: 'every weight of the model',
    typicalPercent: '100%',
    inferenceCost: 'none (a whole new model to store)',
    order: 70,
  },
  // Its result is a whole model, not an update to fold in: merge and the merged export refuse it.
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no "full" method: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'all',
  },
});
