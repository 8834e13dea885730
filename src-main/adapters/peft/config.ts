/**
 * adapter_config.json as PEFT 0.21 writes it, key for key, so PEFT loads what we save; on read, keys we do not
 * know (a newer PEFT) are reported as warnings, never errors. Each method's codec (<method>/peft.ts) lists its
 * keys and defaults; this file holds what every PEFT type shares.
 */
import { z } from 'zod';
import type { PeftCodec, PeftModelContext } from './codec.ts';
import { UserError } from '../../errors.ts';

/** The keys every PEFT config has. */
export const COMMON_KEYS = [
  'auto_mapping',
  'base_model_name_or_path',
  'inference_mode',
  'modules_to_save',
  'peft_type',
  'peft_version',
  'revision',
  'task_type',
] as const;

/** What io.ts needs before it knows the method: the type; the codec parses the rest. */
export const peftConfigSchema = z
  .object({ peft_type: z.string().min(1), task_type: z.string().nullish() })
  .passthrough();

export function unknownKeys(config: Record<string, unknown>, codec: PeftCodec): string[] {
  const known = new Set<string>([...COMMON_KEYS, ...codec.knownKeys]);
  return Object.keys(config).filter((k) => !known.has(k));
}

const TASK_TYPES: Record<string, string | null> = {
  'sequence-classification': 'SEQ_CLS',
  'causal-lm': 'CAUSAL_LM',
  'masked-lm': null,
  'image-classification': null,
  base: null,
};

/** A complete adapter_config.json in PEFT 0.21's shape: every known key (null when unset), sorted. */
export function peftConfigJson(
  codec: PeftCodec,
  fields: Record<string, unknown>,
  ctx: PeftModelContext,
): Record<string, unknown> {
  const base: Record<string, unknown> = Object.fromEntries(
    [...COMMON_KEYS, ...codec.knownKeys].map((k) => [k, null]),
  );
  const taskType = TASK_TYPES[ctx.task] ?? null;
  const common = {
    // Only without a task type: PEFT picks the class from task_type otherwise (and writes null here).
    auto_mapping: taskType === null ? (ctx.autoMapping ?? null) : null,
    inference_mode: true,
    peft_type: codec.peftType,
    peft_version: '0.21.0',
    task_type: taskType,
    modules_to_save: ctx.task === 'sequence-classification' ? ['classifier', 'score'] : null,
  };
  return Object.fromEntries(
    Object.entries({ ...base, ...common, ...fields }).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/**
 * A method's adapter_config.json read with its schema: the parsed keys, or the first problem as one line naming
 * the key (the folder is the user's to fix).
 */
export function parsePeftConfig<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UserError(`${issue?.path.join('.') || 'config'}: ${issue?.message}`);
}
