/**
 * A composition of library adapters (AdapterHub's composition blocks: stack, parallel, average, batch-split) saved
 * as one library entry: the block tree and its sources. Nothing trains: it is made on the Compose page or with
 * `studio compose create`, never from New run.
 */
import { z } from 'zod';
import { composeBlockSchema, composeSourceSchema, MAX_SOURCES } from '../../../src-shared/compose.ts';
import { defineMethod } from '../../../src-shared/methods.ts';

export const composeSchema = z
  .object({
    type: z.literal('compose'),
    block: composeBlockSchema.describe('The block tree: how the sources combine'),
    sources: z
      .array(composeSourceSchema)
      .min(1)
      .max(MAX_SOURCES)
      .describe('The library adapters the tree names by index'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    compose: typeof composeSchema;
  }
}

defineMethod({
  type: 'compose',
  schema: composeSchema,
  info: {
    label: 'Composition of library adapters',
    trains: 'nothing: combines trained adapters (stack, parallel, average, batch-split)',
    typicalPercent: '0%',
    inferenceCost: 'the sum of its adapters (parallel: one pass over a batch repeated per adapter)',
    order: 95,
    composition: true,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no composition blocks: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
