/**
 * K-Adapter (Wang et al. 2021): knowledge adapters are small transformer stacks beside a frozen encoder, reading its
 * hidden states at chosen layers; their outputs are concatenated to the encoder's final hidden state for the task
 * head. One run trains one knowledge adapter on a source task; a later run combines trained ones (frozen) for a
 * target task, training only the new head.
 */
import { z } from 'zod';
import { composeSourceSchema, MAX_SOURCES } from '../../../src-shared/compose.ts';
import { defineMethod } from '../../../src-shared/methods.ts';

export const kAdapterSchema = z
  .object({
    type: z.literal('k-adapter'),
    layers: z
      .array(z.number().int().min(0))
      .min(1)
      .max(12)
      .optional()
      .describe(
        'The encoder layers (0-based) whose hidden states the knowledge adapter reads, one adapter layer each; default: first, middle and last',
      )
      .meta({ title: 'Base layers read' }),
    adapterSize: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe(
        'Width of the knowledge adapter’s own transformer layers (the paper uses 768 beside RoBERTa-large)',
      )
      .meta({ title: 'Adapter width' }),
    transformerLayers: z
      .number()
      .int()
      .min(1)
      .max(4)
      .default(2)
      .describe('Transformer layers inside each adapter layer (the paper uses 2)')
      .meta({ title: 'Transformer layers per adapter layer' }),
    heads: z
      .number()
      .int()
      .positive()
      .default(4)
      .describe('Attention heads of the adapter’s transformer layers (must divide the adapter width)'),
    knowledge: z
      .array(z.union([z.number().int().positive(), z.string().min(1)]))
      .min(1)
      .max(MAX_SOURCES)
      .optional()
      .describe(
        'Trained knowledge adapters to combine, frozen, for this task (library run ids of this project, or adapter folders); only the new head trains. Empty: train a new knowledge adapter',
      )
      .meta({ title: 'Knowledge adapters to combine' }),
    sources: z
      .array(composeSourceSchema)
      .min(1)
      .max(MAX_SOURCES)
      .optional()
      .describe('Recorded when a combination is saved: each knowledge adapter by config, name and hash'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    'k-adapter': typeof kAdapterSchema;
  }
}

defineMethod({
  type: 'k-adapter',
  schema: kAdapterSchema,
  info: {
    label: 'K-Adapter (knowledge adapters)',
    trains:
      'a small transformer stack beside the frozen encoder reading its hidden states, and a head over both; or only a head over several frozen knowledge adapters',
    typicalPercent: '1–10%',
    inferenceCost: 'a few small transformer layers per knowledge adapter',
    order: 97,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no K-Adapter: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
