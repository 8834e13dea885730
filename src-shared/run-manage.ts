/**
 * Managing runs after they start (issue #21): the limits and schemas of names, notes and tags, and what a
 * checkpoint and a fork are. The calls themselves: contract/run-manage.ts.
 */
import { z } from 'zod';

/** Longest run name, note and tag, and how many tags a run may have. */
export const RUN_TEXT_LIMITS = { name: 200, notes: 20_000, tag: 40, tags: 20 } as const;

/** A tag: trimmed, one word or short phrase; commas separate tags where users type them. */
export const runTagSchema = z
  .string()
  .trim()
  .min(1, 'a tag cannot be empty')
  .max(RUN_TEXT_LIMITS.tag, `a tag has at most ${RUN_TEXT_LIMITS.tag} characters`)
  .regex(/^[^,]+$/, 'a tag cannot contain a comma');

/** Splits what a user typed ("baseline, lr sweep") into tags, dropping empties and repeats. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** A checkpoint a run keeps, to resume or fork from. */
export interface CheckpointView {
  step: number;
  /** When it was written, ISO 8601. */
  createdAt: string;
  bytes: number;
}

/** What a fork may change from the run it starts from (the rest of the config stays the same). */
export const forkOverridesSchema = z
  .object({
    maxSteps: z.number().int().positive('max steps must be a whole number above 0').optional(),
    lr: z.number().positive('the learning rate must be above 0').optional(),
  })
  .strict();
export type ForkOverrides = z.infer<typeof forkOverridesSchema>;
