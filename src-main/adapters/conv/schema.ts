/** Conv-Adapter's options and capabilities: the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const convSchema = z
  .object({
    type: z.literal('conv'),
    reductionFactor: z
      .number()
      .positive()
      .default(4)
      .describe('Channels of the depthwise-separable bottleneck = block channels / factor'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    conv: typeof convSchema;
  }
}

defineMethod({
  type: 'conv',
  schema: convSchema,
  info: {
    label: 'Conv-Adapter',
    trains: 'depthwise-separable convolutional bottlenecks beside the ResNet blocks',
    typicalPercent: '1–5%',
    inferenceCost: 'a small convolution per block',
    order: 60,
  },
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no Conv-Adapter: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'cnn',
  },
});
