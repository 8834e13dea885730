/** CLIP-Adapter's options and capabilities: the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const clipAdapterSchema = z
  .object({
    type: z.literal('clip-adapter'),
    towers: z
      .enum(['image', 'text', 'both'])
      .default('image')
      .describe(
        'Which features get an adapter: the image features (the paper’s best), the text features, or both',
      )
      .meta({ title: 'Towers' }),
    reductionFactor: z
      .number()
      .positive()
      .default(4)
      .describe('Bottleneck width = feature width / factor (the paper uses 4)'),
    alpha: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe(
        'Residual ratio: features = alpha × adapter(features) + (1 − alpha) × features; 0 keeps CLIP as it is',
      )
      .meta({ title: 'Residual ratio alpha' }),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    'clip-adapter': typeof clipAdapterSchema;
  }
}

defineMethod({
  type: 'clip-adapter',
  schema: clipAdapterSchema,
  info: {
    label: 'CLIP-Adapter',
    trains: "a residual bottleneck on CLIP's image (and/or text) features, blended with the frozen features",
    typicalPercent: '0.1–1%',
    inferenceCost: 'two small matrix products per image',
    order: 65,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no CLIP-Adapter: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'clip',
  },
});
