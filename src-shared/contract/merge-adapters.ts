/** Contract of merging adapters: LoRA merges of library adapters (PEFT's add_weighted_adapter). */
// Handlers: src-main/services/merge-handlers.ts.
import { z } from 'zod';
import { mergeOptionsSchema } from '../merge.ts';
import type { MergeResult } from '../merge.ts';
import { projectPath, runId } from './common.ts';
import { call } from './define.ts';

export const mergeAdaptersCalls = {
  /** Merges 2+ LoRA adapters of one base into a new library entry (a completed run carrying the recipe). */
  'adapters:merge': call(
    z
      .object({
        project: projectPath,
        runIds: z.array(runId).min(2, 'choose at least two LoRA adapters to merge').max(16),
        name: z.string().trim().max(200).optional(),
        options: mergeOptionsSchema,
      })
      .strict(),
  ).returns<MergeResult>(),
} as const;
