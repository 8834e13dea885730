/**
 * AdapterFusion (Pfeiffer et al. 2021, AdapterHub's `Fuse`): per layer, a trained attention whose query is the
 * sub-layer's output and whose keys and values are the outputs of N frozen bottleneck adapters from the library;
 * trained on the target task with the adapters and the base frozen.
 */
import { z } from 'zod';
import { composeSourceSchema, MAX_SOURCES } from '../../../src-shared/compose.ts';
import { defineMethod } from '../../../src-shared/methods.ts';

export const fuseSchema = z
  .object({
    type: z.literal('fuse'),
    adapters: z
      .array(z.union([z.number().int().positive(), z.string().min(1)]))
      .min(2)
      .max(MAX_SOURCES)
      .optional()
      .describe('The bottleneck adapters to fuse: library run ids of this project, or adapter folders')
      .meta({ title: 'Adapters' }),
    sources: z
      .array(composeSourceSchema)
      .min(2)
      .max(MAX_SOURCES)
      .optional()
      .describe('Recorded when the fusion is saved: each fused adapter by config, name and hash'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    fuse: typeof fuseSchema;
  }
}

defineMethod({
  type: 'fuse',
  schema: fuseSchema,
  info: {
    label: 'Fusion over library adapters (AdapterFusion)',
    trains:
      'per layer, an attention over the outputs of frozen bottleneck adapters from the library, and the task head',
    typicalPercent: '5–15%',
    inferenceCost: 'every fused adapter plus a small attention per layer',
    order: 96,
    composition: true,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no AdapterFusion: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
