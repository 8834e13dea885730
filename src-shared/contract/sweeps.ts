/** Contract of the Experiments page's sweeps. Handlers: src-main/services/sweeps-handlers.ts. */
import { z } from 'zod';
import { sweepConfigSchema } from '../sweep.ts';
import type { SweepView } from '../sweep.ts';
import { projectPath } from './common.ts';
import type { Done } from './common.ts';
import { call } from './define.ts';

const aSweep = z.object({ project: projectPath, sweepId: z.number().int().positive() }).strict();

export const sweepsCalls = {
  /** The project's sweeps, newest first, with every trial's state and score. */
  'sweeps:list': call(z.object({ project: projectPath }).strict()).returns<SweepView[]>(),
  /** Plans the trials, records the sweep and starts its first trial. */
  'sweeps:start': call(z.object({ config: sweepConfigSchema }).strict()).returns<{ sweepId: number }>(),
  /** Goes on with an interrupted or cancelled sweep: its cut-off trial resumes, the rest start. */
  'sweeps:resume': call(aSweep).returns<Done>(),
  /** Stops the training trial (it keeps its checkpoint) and starts no other. */
  'sweeps:cancel': call(aSweep).returns<Done>(),
} as const;
