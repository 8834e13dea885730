import { describe, expect, it } from 'vitest';
import '../../src-main/adapters/schemas.ts';
import { describeMethods } from '../../src-shared/methods.ts';
import { labelOf, parseList, schemaFields } from '../../src-renderer/lib/schema-form.ts';
import type { FieldSpec, JsonSchema } from '../../src-renderer/lib/schema-form.ts';

const fieldsOf = (type: string): Map<string, FieldSpec> => {
  const m = describeMethods().find((d) => d.type === type);
  if (!m) throw new Error(`no ${type}`);
  return new Map(schemaFields(m.jsonSchema as JsonSchema).map((f) => [f.key, f]));
};

describe('the method options form from JSON Schema', () => {
  it('draws every option of every method, with its help text', () => {
    // Compositions (compose, fuse) are made from library adapters on their own forms, not from this one.
    for (const m of describeMethods().filter((d) => !d.composition)) {
      // Lists of objects are what a saved adapter records (K-Adapter's sources), never typed in a form.
      const keys = Object.entries((m.jsonSchema as JsonSchema).properties ?? {})
        .filter(([k, s]) => k !== 'type' && !(s.anyOf ?? [s]).some((a) => a.items?.type === 'object'))
        .map(([k]) => k);
      const fields = schemaFields(m.jsonSchema as JsonSchema);
      expect(fields.map((f) => f.key)).toEqual(keys);
      for (const f of fields) expect(f.help.length).toBeGreaterThan(0);
    }
  });

  it("offers the schema's values and bounds: every activation (silu too), dropout in [0, 1), integer ranks", () => {
    const bottleneck = fieldsOf('bottleneck');
    expect(bottleneck.get('activation')).toMatchObject({ kind: 'select', default: 'relu' });
    const act = bottleneck.get('activation');
    expect(act?.kind === 'select' && act.options).toEqual(['relu', 'gelu', 'swish', 'silu', 'tanh']);
    const lora = fieldsOf('lora');
    expect(lora.get('dropout')).toMatchObject({ kind: 'number', min: 0, max: 0.99, step: 0.01, default: 0 });
    expect(lora.get('r')).toMatchObject({ kind: 'number', integer: true, min: 1, step: 1, label: 'Rank r' });
    expect(lora.get('rslora')).toMatchObject({ kind: 'boolean', default: false });
    expect(lora.get('targets')).toMatchObject({ kind: 'list' });
  });

  it("reads a list of numbers as numbers (K-Adapter's layers) and leaves recorded sources out", () => {
    const k = fieldsOf('k-adapter');
    expect(k.get('layers')).toMatchObject({ kind: 'list', numeric: true, label: 'Base layers read' });
    expect(k.get('knowledge')).toMatchObject({ kind: 'list', numeric: false });
    expect(k.has('sources')).toBe(false);
    expect(fieldsOf('lora').get('targets')).toMatchObject({ kind: 'list', numeric: false });
    expect(parseList('0, 2 ,3', true)).toEqual([0, 2, 3]);
    expect(parseList('0, two', true)).toEqual([0, 'two']);
  });

  it('labels fields from their names and reads lists from comma-separated text', () => {
    expect(labelOf('reductionFactor')).toBe('Reduction factor');
    expect(parseList(' query, value ,')).toEqual(['query', 'value']);
    expect(parseList(' ')).toBeUndefined();
  });
});
