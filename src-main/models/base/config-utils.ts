import { z } from 'zod';
import { isCausalLmArchitecture } from '../../../src-shared/generation.ts';
import { ModelConfigError } from './errors.ts';
import { ACTIVATIONS } from './layers.ts';

/** Parses config.json fields with a zod schema; the first problem becomes a one-line error naming the field. */
export function parseConfig<S extends z.ZodType>(file: string, schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ModelConfigError(file, `${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Labels ordered by id from config.json's id2label (empty when absent). */
export function labelsFrom(raw: { id2label?: Record<string, string> | null; num_labels?: number }): string[] {
  if (raw.id2label && Object.keys(raw.id2label).length) {
    return Object.entries(raw.id2label)
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([, v]) => v);
  }
  // transformers' default when a config names no labels is two.
  return Array.from({ length: raw.num_labels ?? 2 }, (_, i) => `LABEL_${i}`);
}

/** The task from config.json's `architectures`, e.g. BertForSequenceClassification -> sequence-classification. */
export function taskFrom(
  architectures: string[] | undefined | null,
): 'sequence-classification' | 'causal-lm' | 'masked-lm' | 'image-classification' | 'base' {
  const a = architectures?.[0] ?? '';
  if (a.endsWith('ForSequenceClassification')) return 'sequence-classification';
  if (isCausalLmArchitecture(a)) return 'causal-lm';
  if (a.endsWith('ForMaskedLM')) return 'masked-lm';
  // A video classifier is an image classifier whose examples are clips of frames (ModelInputs.frames).
  if (a.endsWith('ForImageClassification') || a.endsWith('ForVideoClassification'))
    return 'image-classification';
  return 'base';
}

export const id2labelSchema = z.record(z.string(), z.string()).nullish();

/** A `hidden_act`-style field: an activation the graphs implement, so an unknown one fails at load, not mid-forward. */
export const activationSchema = (fallback: (typeof ACTIVATIONS)[number]) =>
  z.enum(ACTIVATIONS).default(fallback);
