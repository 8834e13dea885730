/** The linear probe (baseline): no options; the one definition the config, the form and export read. */
import { z } from 'zod';
import { defineMethod } from '../../../src-shared/methods.ts';

export const headSchema = z.object({ type: z.literal('head') }).strict();

declare module '../../../src-shared/methods.ts' {
  interface MethodSchemas {
    head: typeof headSchema;
  }
}

defineMethod({
  type: 'head',
  schema: headSchema,
  info: {
    label: 'Linear probe (baseline)',
    trains: 'only the task head on frozen features',
    typicalPercent: '< 0.1%',
    inferenceCost: 'none',
    order: 80,
  },
  // Only the head changes: there is no update to fold into the base weights.
  capabilities: {
    merges: false,
    peft: { unavailable: 'PEFT has no "head" method: export a bundle instead' },
    adapterhub: false,
    appliesTo: 'all',
  },
});
