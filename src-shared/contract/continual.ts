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
} as const;
