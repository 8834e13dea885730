import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configHelp } from '../../../src-main/cli/config-help.ts';
import '../../../src-main/adapters/schemas.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';

describe('configHelp', () => {
  it('lists fields with their bounds, defaults and help, and each union variant with its options', () => {
    const schema = z.object({
      project: z.string().min(1).describe('the project folder'),
      train: z.object({ lr: z.number().positive().default(0.001), seed: z.number().int().min(0).optional() }),
      method: z.discriminatedUnion('type', [
        z.object({
          type: z.literal('lora'),
          r: z.number().int().positive().max(512).default(8).describe('rank'),
        }),
        z.object({ type: z.literal('head') }),
      ]),
    });
    const help = configHelp(schema, 'method').split('\n');
    expect(help).toContain('  project: string (the project folder)');
    expect(help).toContain('  train.lr: number > 0, default 0.001');
    expect(help).toContain('  train.seed: integer >= 0, optional');
    expect(help).toContain('  "lora"');
    expect(help).toContain('    method.r: integer > 0, <= 512, default 8 (rank)');
    expect(help).toContain('  "head" (no options)');
  });

  it('covers every method type and train option of the real schema', () => {
    const help = configHelp(trainConfigSchema, 'method');
    const json = z.toJSONSchema(trainConfigSchema, { io: 'input' }) as {
      properties: {
        train: { properties: Record<string, unknown> };
        method: { anyOf: { properties: { type: { const: string } } }[] };
      };
    };
    for (const key of Object.keys(json.properties.train.properties)) expect(help).toContain(`  train.${key}`);
    for (const v of json.properties.method.anyOf) expect(help).toContain(`  "${v.properties.type.const}"`);
  });
});
