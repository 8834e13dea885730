/** Contract handlers of the Continual page (src-shared/contract/continual.ts); joined in createHandlers. */
import type { continualCalls } from '../../src-shared/contract/continual.ts';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import path from 'node:path';
import { insertContinualFusion } from '../db/tables/continual-fusions.ts';
import type { ServiceContext } from './context.ts';
import { continualFusionConfig } from './continual-fusion.ts';
import { checkContinualTasks, continualTaskConfigs, continualViews } from './continual.ts';
import { markStaleRunsInterrupted } from './training.ts';

export function continualHandlers(ctx: ServiceContext): HandlersOf<typeof continualCalls> {
  return {
    'continual:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return continualViews(db, path.resolve(project));
    },
    'continual:start': async ({ config }) => {
      checkContinualTasks(config);
      // Every task is pre-flighted in the engine process before the run row exists.
      for (const task of continualTaskConfigs(config)) await ctx.inference.preflight(task);
      return { runId: ctx.runs.startContinual(config) };
    },
    // A fusion like New run's, over the sequence's stage adapters: pre-flighted in the engine process, then linked
    // to its sequence as it starts, so the page shows it under the sequence from its first event.
    'continual:fuse': async ({ project, runId, task, epochs }) => {
      const db = ctx.projects.db(project);
      const config = continualFusionConfig(db, project, runId, task, epochs !== undefined ? { epochs } : {});
      await ctx.inference.preflight(config);
      const fusionRunId = ctx.runs.start(config);
      insertContinualFusion(db, { fusionRunId, continualRunId: runId, task });
      return { runId: fusionRunId };
    },
  };
}
