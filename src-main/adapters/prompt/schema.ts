/** Prompt tuning's options and capabilities: the one definition the config, the form, export and PEFT read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const promptSchema = z
  .object({
    type: z.literal('prompt'),
    virtualTokens: z
      .number()
      .int()
      .positive()
      .default(20)
      .describe('Trained embeddings put before the input'),
  })
  .strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    prompt: typeof promptSchema;
  }
}

defineMethod({
  type: 'prompt',
  schema: promptSchema,
  info: {
    label: 'Prompt tuning',
    trains: "virtual token embeddings prepended to the input (on CLIP: to the text tower's label prompts)",
    typicalPercent: '< 0.1%',
    inferenceCost: 'a slightly longer sequence',
    order: 40,
  },
  capabilities: {
    merges: false,
    peft: {
      type: 'PROMPT_TUNING',
      // PEFT prepends prompt tuning's tokens to the whole model's inputs_embeds; CLIPModel has none to take them.
      refusedFor: {
        clip: "PEFT's prompt tuning cannot wrap CLIP's text tower: export a bundle or the studio's folder instead",
      },
    },
    adapterhub: false,
    appliesTo: 'transformers',
  },
});
