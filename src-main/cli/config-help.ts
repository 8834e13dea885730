/**
 * The fields of a config schema as help text (`studio train --help`), drawn from the schema itself through zod's
 * JSON Schema, so the help can never list a field, default or bound that the parser does not apply.
 */
import { z } from 'zod';
import type { JsonSchema } from '../../src-shared/json-schema.ts';

/** zod writes MAX_SAFE_INTEGER as the bound of `.int()`; it says nothing to a user. */
const bound = (n: number | undefined): n is number =>
  n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER;

function typeWords(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join('|');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.items) return `list of ${typeWords(s.items)}`;
  if (s.properties) {
    const req = new Set(s.required ?? []);
    return `{${Object.keys(s.properties)
      .map((k) => (req.has(k) ? k : `${k}?`))
      .join(', ')}}`;
  }
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeWords).join(' or ');
  const t = Array.isArray(s.type) ? s.type.join('|') : (s.type ?? 'any');
  const range = [
    bound(s.minimum) ? `>= ${s.minimum}` : '',
    bound(s.exclusiveMinimum) ? `> ${s.exclusiveMinimum}` : '',
    bound(s.maximum) ? `<= ${s.maximum}` : '',
    bound(s.exclusiveMaximum) ? `< ${s.exclusiveMaximum}` : '',
  ].filter(Boolean);
  return range.length ? `${t} ${range.join(', ')}` : t;
}

function fieldLines(s: JsonSchema, prefix: string, out: string[]): void {
  const required = new Set(s.required ?? []);
  for (const [name, field] of Object.entries(s.properties ?? {})) {
    const key = `${prefix}${name}`;
    const nested = field.properties && Object.keys(field.properties).length > 0;
    if (nested) {
      out.push(
        `  ${key}${required.has(name) ? '' : ' (optional)'}${field.description ? `: ${field.description}` : ''}`,
      );
      fieldLines(field, `${key}.`, out);
      continue;
    }
    const parts = [typeWords(field)];
    if (field.default !== undefined) parts.push(`default ${JSON.stringify(field.default)}`);
    else if (!required.has(name)) parts.push('optional');
    out.push(`  ${key}: ${parts.join(', ')}${field.description ? ` (${field.description})` : ''}`);
  }
}

/**
 * Help text for a config schema: its plain fields, then each variant of a discriminated union field (e.g. every
 * `method.type` with its options).
 */
export function configHelp(schema: z.ZodType, unionField: string): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: string[] = ['Config fields:'];
  const props = json.properties ?? {};
  const union = props[unionField];
  fieldLines(
    { ...json, properties: Object.fromEntries(Object.entries(props).filter(([k]) => k !== unionField)) },
    '',
    out,
  );
  const variants = union?.anyOf ?? union?.oneOf ?? [];
  if (variants.length > 0) {
    out.push('', `${unionField}.type and its options:`);
    for (const v of variants) {
      const { type, ...options } = v.properties ?? {};
      const lines: string[] = [];
      fieldLines({ properties: options, required: v.required ?? [] }, `${unionField}.`, lines);
      out.push(
        `  ${JSON.stringify(type?.const)}${lines.length ? '' : ' (no options)'}${v.description ? `: ${v.description}` : ''}`,
      );
      out.push(...lines.map((l) => `  ${l}`));
    }
  }
  return out.join('\n');
}
