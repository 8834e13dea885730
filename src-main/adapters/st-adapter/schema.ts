/** ST-Adapter's options and capabilities: the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

const oddKernel = (what: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(7)
    .refine((k) => k % 2 === 1, { message: `the ${what} kernel size must be odd (the grid keeps its size)` });

export const stAdapterSchema = z
  .object({
    type: z.literal('st-adapter'),
    reductionFactor: z
      .number()
      .positive()
      .default(4)
      .describe('Bottleneck width = hidden size / factor; smaller factor, more capacity'),
    bottleneckSize: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Bottleneck width; overrides the reduction factor'),
    temporalKernel: oddKernel('temporal')
      .default(3)
      .describe('Frames the depthwise 3-D convolution sees at once (odd; the paper uses 3)')
      .meta({ title: 'Temporal kernel' }),
    spatialKernel: oddKernel('spatial')
      .default(1)
      .describe('Patches it sees along height and width (odd; the paper uses 1, time only)')
      .meta({ title: 'Spatial kernel' }),
    activation: z
      .enum(['none', 'gelu', 'relu'])
      .default('none')
      .describe(
        'Non-linearity after the convolution (none, as the reference implementation; gelu as the paper writes it)',
      )
      .meta({ title: 'Non-linearity' }),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    'st-adapter': typeof stAdapterSchema;
  }
}

defineMethod({
  type: 'st-adapter',
  schema: stAdapterSchema,
  info: {
    label: 'ST-Adapter (video)',
    trains:
      "before each block's attention: down-projection, depthwise 3-D convolution over time and the patch grid, up-projection",
    typicalPercent: '1–8%',
    inferenceCost: 'a small convolution and two small matmuls per layer',
    order: 68,
  },
  capabilities: {
    merges: false,
    peft: {
      unavailable:
        "PEFT has no ST-Adapter: export a bundle instead (the run's adapter folder is the studio's own format)",
    },
    adapterhub: false,
    appliesTo: 'vision-transformers',
  },
});
