/**
 * The learned router (Adapter Selector): a small classifier on the frozen base's pooled representation that picks
 * the library adapter for each input (hard) or mixes the adapters' answers with its softmax weights (soft). Trained
 * on the adapters' own training datasets, each input labelled with the adapter it came from; the base and the
 * adapters stay frozen.
 */
import { z } from 'zod';
import { composeSourceSchema, MAX_SOURCES } from '../../../src-shared/compose.ts';
import { defineMethod } from '../../../src-shared/methods.ts';

export const ROUTER_MODES = ['hard', 'soft', 'layers'] as const;

export const routerSchema = z
  .object({
    type: z.literal('router'),
    adapters: z
      .array(z.union([z.number().int().positive(), z.string().min(1)]))
      .min(2)
      .max(MAX_SOURCES)
      .optional()
      .describe(
        "The library adapters to route between: run ids of this project (their datasets become the router's training data), or adapter folders",
      )
      .meta({ title: 'Adapters' }),
    mode: z
      .enum(ROUTER_MODES)
      .default('soft')
      .describe(
        "hard: each input goes to the adapter the router picks; soft: every adapter answers and their probabilities are mixed with the router's weights; layers (X-LoRA style): a gate weighs every adapter at every layer, trained on the tasks' own labels",
      ),
    topK: z
      .number()
      .int()
      .min(1)
      .max(MAX_SOURCES)
      .optional()
      .describe(
        'layers mode: keep only the k largest gates per layer (the softmax is taken over those k); absent: every adapter',
      )
      .meta({ title: 'Top-k adapters per layer' }),
    perTask: z
      .number()
      .int()
      .min(10)
      .max(100000)
      .default(600)
      .describe(
        "Training inputs taken from each adapter's dataset (its training split); held-out inputs come from each one's validation split",
      ),
    routes: z
      .array(z.string())
      .optional()
      .describe(
        'Set by the studio for a layers router over library runs: the name of each adapter (`01 #3 spam adapter`)',
      ),
    sources: z
      .array(composeSourceSchema)
      .min(2)
      .max(MAX_SOURCES)
      .optional()
      .describe('Recorded when the router is saved: each routed adapter by config, name and hash'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    router: typeof routerSchema;
  }
}

defineMethod({
  type: 'router',
  schema: routerSchema,
  info: {
    label: 'Router over library adapters (Adapter Selector)',
    trains:
      "a classifier on the frozen base's pooled representation that picks (or weighs) a library adapter per input, or a gate that weighs every adapter at every layer",
    typicalPercent: '< 1%',
    inferenceCost:
      'one base pass for the router, then the picked adapter (hard), every adapter (soft) or one pass with every adapter weighed per layer (layers)',
    order: 97,
    composition: true,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no router: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
