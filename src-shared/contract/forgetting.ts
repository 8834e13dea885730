/** Contract of forgetting (issue #19): a run's reports, and scoring a completed run on a reference after the fact. */
// Handlers: src-main/services/forgetting-handlers.ts.
import { z } from 'zod';
import type { ForgettingReport } from '../forgetting.ts';
import { forgettingSpecSchema } from '../train-config.ts';
import { projectPath, runId } from './common.ts';
import { call } from './define.ts';

export const forgettingCalls = {
  /** The run's stored reports, oldest first. */
  'forgetting:list': call(z.object({ project: projectPath, runId }).strict()).returns<ForgettingReport[]>(),
  /** Scores a completed run on a reference (a path on the studio's machine, or a sample) and stores the report. */
  'forgetting:score': call(
    z.object({ project: projectPath, runId, spec: forgettingSpecSchema }).strict(),
  ).returns<ForgettingReport>(),
} as const;
