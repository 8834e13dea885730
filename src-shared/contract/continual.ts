/** Contract of the Continual page: the retention matrices of a project's continual runs. */
// Handlers: src-main/services/continual-handlers.ts.
import { z } from 'zod';
import type { ContinualView } from '../continual.ts';
import { continualConfigSchema } from '../train-config.ts';
import { projectPath } from './common.ts';
import { call } from './define.ts';

export const continualCalls = {
  'continual:list': call(z.object({ project: projectPath }).strict()).returns<ContinualView[]>(),
  'continual:start': call(z.object({ config: continualConfigSchema }).strict()).returns<{ runId: number }>(),
  /** Starts AdapterFusion over a finished continual run's stage adapters, trained on its task `task`. */
  'continual:fuse': call(
    z
      .object({
        project: projectPath,
        runId: z.number().int().positive(),
        task: z.string().min(1),
        epochs: z.number().positive().optional(),
      })
      .strict(),
  ).returns<{ runId: number }>(),
} as const;
