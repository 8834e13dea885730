/** Contract of the Runs pages (list, a run's charts and log, start/pause/resume/cancel, scoring on a file). */
// Handlers: src-main/services/runs-handlers.ts.
import { z } from 'zod';
import type { MetricSeries, RunView } from '../domain.ts';
import type { EvaluationReport } from '../evaluate.ts';
import { trainConfigSchema } from '../train-config.ts';
import { projectPath, runId } from './common.ts';
import type { Done } from './common.ts';
import { call } from './define.ts';

const aRun = z.object({ project: projectPath, runId }).strict();

export const runsCalls = {
  'runs:list': call(z.object({ project: projectPath }).strict()).returns<RunView[]>(),
  'runs:get': call(aRun).returns<RunView>(),
  'runs:metrics': call(
    z
      .object({
        project: projectPath,
        runId,
        /** Only points after this step (for live updates). */
        sinceStep: z.number().int().min(-1).default(-1),
      })
      .strict(),
  ).returns<MetricSeries[]>(),
  'runs:start': call(z.object({ config: trainConfigSchema }).strict()).returns<{ runId: number }>(),
  'runs:cancel': call(aRun).returns<Done>(),
  'runs:pause': call(aRun).returns<Done>(),
  'runs:resume': call(aRun).returns<{ runId: number }>(),
  /** Scores a completed run on a CSV/JSONL file (a path on the studio's machine) with the run's columns. */
  'runs:evaluate': call(
    z.object({ project: projectPath, runId, file: z.string().trim().min(1).max(4096) }).strict(),
  ).returns<EvaluationReport>(),
  'runs:log': call(
    z
      .object({
        project: projectPath,
        runId,
        /** Only the lines after this many (for following a live log). */
        since: z.number().int().min(0).default(0),
      })
      .strict(),
  ).returns<{ lines: string[]; total: number }>(),
} as const;
