/**
 * Contract of managing runs after they start (issue #21): rename, notes, tags, delete, and the checkpoints a run
 * keeps by step, to resume or fork from. Handlers: src-main/services/run-manage-handlers.ts.
 */
import { z } from 'zod';
import { RUN_TEXT_LIMITS, forkOverridesSchema, runTagSchema } from '../run-manage.ts';
import type { CheckpointView } from '../run-manage.ts';
import { projectPath, runId } from './common.ts';
import type { Done } from './common.ts';
import { call } from './define.ts';

const aRun = z.object({ project: projectPath, runId }).strict();
const step = z.number().int().min(0);

export const runManageCalls = {
  /** Renames a run. */
  'runs:rename': call(
    z
      .object({
        project: projectPath,
        runId,
        name: z
          .string()
          .trim()
          .min(1, 'a run needs a name')
          .max(RUN_TEXT_LIMITS.name, `a run name has at most ${RUN_TEXT_LIMITS.name} characters`),
      })
      .strict(),
  ).returns<Done>(),
  /** Replaces a run's notes. */
  'runs:set-notes': call(
    z
      .object({
        project: projectPath,
        runId,
        notes: z
          .string()
          .max(RUN_TEXT_LIMITS.notes, `notes have at most ${RUN_TEXT_LIMITS.notes} characters`),
      })
      .strict(),
  ).returns<Done>(),
  /** Replaces a run's tags; resolves them as stored. */
  'runs:set-tags': call(
    z
      .object({
        project: projectPath,
        runId,
        tags: z
          .array(runTagSchema)
          .max(RUN_TEXT_LIMITS.tags, `a run has at most ${RUN_TEXT_LIMITS.tags} tags`),
      })
      .strict(),
  ).returns<{ tags: string[] }>(),
  /** Deletes a run that is not training: its rows and its artifacts folder. */
  'runs:delete': call(aRun).returns<Done>(),
  /** The checkpoints a run keeps by step. */
  'runs:checkpoints': call(aRun).returns<CheckpointView[]>(),
  /** Resumes an interrupted, paused or cancelled run from one of its checkpoints (later points are dropped). */
  'runs:resume-from': call(z.object({ project: projectPath, runId, step }).strict()).returns<{
    runId: number;
  }>(),
  /** A new run from one of a run's checkpoints: its weights and optimizer state, the same config but overrides. */
  'runs:fork': call(
    z.object({ project: projectPath, runId, step, overrides: forkOverridesSchema.default({}) }).strict(),
  ).returns<{ runId: number }>(),
} as const;
