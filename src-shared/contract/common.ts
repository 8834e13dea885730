/** Argument schemas several features share. */
import { z } from 'zod';

/** A project folder (or any folder path) as the user or the UI names it. */
export const projectPath = z.string().min(1).max(4096);

/** A run's id in its project. */
export const runId = z.number().int().positive();

/** The `{}` of calls without arguments (strict: an unexpected field is refused). */
export const noArgs = z.object({}).strict();

/** `{ ok: true }`: the result of calls that only act. */
export interface Done {
  ok: true;
}
