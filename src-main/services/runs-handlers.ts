/** Contract handlers of the Runs pages (src-shared/contract/runs.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { runsCalls } from '../../src-shared/contract/runs.ts';
import { readRunLog, runLogFile } from '../training/run-log.ts';
import { resolveFuseAdapters } from './compose.ts';
import type { ServiceContext } from './context.ts';
import { scoreRequest } from './evaluate.ts';
import { listRunViews, runSeries, runView } from './runs.ts';
import { markStaleRunsInterrupted } from './training.ts';

export function runsHandlers(ctx: ServiceContext): HandlersOf<typeof runsCalls> {
  return {
    'runs:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return listRunViews(db);
    },
    'runs:get': async ({ project, runId }) => runView(ctx.projects.db(project), runId),
    'runs:metrics': async ({ project, runId, sinceStep }) =>
      runSeries(ctx.projects.db(project), runId, sinceStep),
    // The pre-flight (model folder, sizes, memory budget) needs the engine: it runs in the engine process, and a
    // refusal comes back as one line before any run row or folder exists.
    'runs:start': async ({ config: asked }) => {
      // A fusion names library adapters by run id; the training process gets their folders.
      const config = resolveFuseAdapters(ctx.projects.db(asked.project), path.resolve(asked.project), asked);
      await ctx.inference.preflight(config);
      return { runId: ctx.runs.start(config) };
    },
    'runs:cancel': async ({ project, runId }) => {
      ctx.runs.cancel(project, runId);
      return { ok: true as const };
    },
    'runs:pause': async ({ project, runId }) => {
      ctx.runs.pause(project, runId);
      return { ok: true as const };
    },
    'runs:resume': async ({ project, runId }) => {
      // The model folder or the dataset may have changed since the run started.
      const config = ctx.runs.configToResume(project, runId);
      if (config) await ctx.inference.preflight(config);
      return { runId: ctx.runs.continue(project, runId) };
    },
    // The forward passes run in the inference process, never on main's event loop.
    'runs:evaluate': async ({ project, runId, file }) =>
      ctx.inference.evaluate(scoreRequest(ctx.projects.db(project), path.resolve(project), runId, file)),
    'runs:log': async ({ project, runId, since }) => {
      runView(ctx.projects.db(project), runId); // a run of this project, else a clear error
      return readRunLog(runLogFile(path.resolve(project), runId), since);
    },
  };
}
