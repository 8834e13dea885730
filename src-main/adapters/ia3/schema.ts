/** IA3's options and capabilities: the one definition the config, the form, export and PEFT read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

const moduleList = z.union([z.array(z.string().min(1)), z.string().min(1)]).optional();

export const ia3Schema = z
  .object({
    type: z.literal('ia3'),
    targets: moduleList.describe(
      "Modules to scale (suffix match, or one regular expression); default: the architecture's keys, values and FFN output",
    ),
    feedforward: moduleList.describe(
      "Which targets scale their input instead of their output; default: the architecture's FFN modules",
    ),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    ia3: typeof ia3Schema;
  }
}

defineMethod({
  type: 'ia3',
  schema: ia3Schema,
  info: {
    label: 'IA3',
    trains: 'learned scaling vectors on keys, values and the FFN activations',
    typicalPercent: '< 0.1%',
    inferenceCost: 'none once merged',
    order: 30,
  },
  capabilities: { merges: true, peft: { type: 'IA3' }, adapterhub: false, appliesTo: 'transformers' },
});
