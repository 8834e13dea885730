/** The method registry: one definition per method, from which the union, `methods:list` and the form derive. */
import { describe, expect, it } from 'vitest';
import '../../src-main/adapters/schemas.ts';
import { describeMethods, methodSchema } from '../../src-shared/methods.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';

type JsonSchema = {
  properties?: Record<string, JsonSchema & { description?: string }>;
  enum?: unknown[];
  exclusiveMaximum?: number;
  minimum?: number;
};

const byType = () => new Map(describeMethods().map((m) => [m.type, m]));

describe('methods:list', () => {
  it('gives every method its JSON Schema with a description for every option', () => {
    for (const m of describeMethods()) {
      const props = (m.jsonSchema as JsonSchema).properties ?? {};
      expect(Object.keys(props)).toContain('type');
      for (const [name, p] of Object.entries(props))
        if (name !== 'type') expect([m.type, name, typeof p.description]).toEqual([m.type, name, 'string']);
    }
  });

  it('offers every activation the schema accepts (silu included) and one dropout rule, [0, 1)', () => {
    const m = byType();
    const act = (m.get('bottleneck')?.jsonSchema as JsonSchema).properties?.activation;
    expect(act?.enum).toEqual(['relu', 'gelu', 'swish', 'silu', 'tanh']);
    const dropout = (m.get('lora')?.jsonSchema as JsonSchema).properties?.dropout;
    expect([dropout?.minimum, dropout?.exclusiveMaximum]).toEqual([0, 1]);
    const cfg = (dropout: number) => ({
      project: 'p',
      model: 'default',
      dataset: { sample: 's' },
      method: { type: 'lora', dropout },
    });
    expect(trainConfigSchema.safeParse(cfg(0.95)).success).toBe(true);
    expect(trainConfigSchema.safeParse(cfg(1)).success).toBe(false);
  });

  it('says full and head do not merge, as the merged export refuses them', () => {
    const m = byType();
    expect([m.get('full')?.merges, m.get('head')?.merges, m.get('lora')?.merges]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('builds the method union from the definitions: an unknown type is refused', () => {
    expect(methodSchema.safeParse({ type: 'lora' }).success).toBe(true);
    expect(methodSchema.safeParse({ type: 'nope' }).success).toBe(false);
  });
});
