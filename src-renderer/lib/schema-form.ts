/**
 * A method's options form, drawn from its JSON Schema (`methods:list`, zod's toJSONSchema of the method's
 * schema.ts): numbers with their bounds and step, enums as selects, booleans, string lists; each field's
 * description is its help text. Pure functions, so the form component and the tests share them.
 */

import type { JsonSchema } from '../../src-shared/json-schema.ts';

export type { JsonSchema };

interface Common {
  key: string;
  label: string;
  help: string;
  default?: unknown;
}
export type FieldSpec =
  | (Common & { kind: 'number'; integer: boolean; min?: number; max?: number; step: number | 'any' })
  | (Common & { kind: 'select'; options: string[] })
  | (Common & { kind: 'boolean' })
  | (Common & { kind: 'list'; numeric: boolean });

/** zod writes MAX_SAFE_INTEGER as the bound of `.int()`: no bound for a form. */
const finite = (n: number | undefined): number | undefined =>
  n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined;

/** `reductionFactor` -> "Reduction factor". */
export const labelOf = (key: string): string => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

function numberField(c: Common, s: JsonSchema): FieldSpec {
  const integer = s.type === 'integer';
  const lo = finite(s.minimum) ?? finite(s.exclusiveMinimum);
  const hi = finite(s.maximum) ?? finite(s.exclusiveMaximum);
  // A bounded fraction steps in hundredths; an exclusive bound stops one step short of it.
  const step = integer ? 1 : lo !== undefined && hi !== undefined ? (hi - lo) / 100 : 'any';
  const min =
    finite(s.minimum) ??
    (s.exclusiveMinimum !== undefined && integer ? s.exclusiveMinimum + 1 : finite(s.exclusiveMinimum));
  const max =
    finite(s.maximum) ??
    (finite(s.exclusiveMaximum) !== undefined
      ? (s.exclusiveMaximum as number) - (typeof step === 'number' ? step : 0)
      : undefined);
  return {
    ...c,
    kind: 'number',
    integer,
    step,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  };
}

/** One field per option of a method's JSON Schema (`type` excluded), in the schema's order. */
export function schemaFields(schema: JsonSchema): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    if (key === 'type') continue;
    const c: Common = {
      key,
      label: s.title ?? labelOf(key),
      help: s.description ?? '',
      ...(s.default !== undefined ? { default: s.default } : {}),
    };
    const alts = s.anyOf ?? [s];
    const list = alts.find((a) => a.type === 'array');
    // A list of objects is data a saved adapter records (a combination's sources), not an option to type.
    if (list?.items?.type === 'object') continue;
    if (list) {
      const items = list.items?.anyOf ?? (list.items ? [list.items] : []);
      const numeric = items.length > 0 && items.every((i) => i.type === 'integer' || i.type === 'number');
      out.push({ ...c, kind: 'list', numeric });
    } else if (s.enum) out.push({ ...c, kind: 'select', options: s.enum.map(String) });
    else if (s.type === 'boolean') out.push({ ...c, kind: 'boolean' });
    else if (s.type === 'number' || s.type === 'integer') out.push(numberField(c, s));
  }
  return out;
}

/**
 * A list field's text ("query, value") as the config's list; empty text leaves the option out. A numeric list
 * ("0, 2, 3") gives numbers, except items that are not numbers, which stay text for the validation to name.
 */
export const parseList = (text: string, numeric = false): (string | number)[] | undefined => {
  const items = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const parsed = numeric ? items.map((t) => (Number.isFinite(Number(t)) ? Number(t) : t)) : items;
  return parsed.length ? parsed : undefined;
};
