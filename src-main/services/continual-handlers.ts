/** Contract handlers of the Continual page (src-shared/contract/continual.ts); joined in createHandlers. */
import type { continualCalls } from '../../src-shared/contract/continual.ts';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { ServiceContext } from './context.ts';
import { checkContinualTasks, continualTaskConfigs, continualViews } from './continual.ts';
import { markStaleRunsInterrupted } from './training.ts';

export function continualHandlers(ctx: ServiceContext): HandlersOf<typeof continualCalls> {
  return {
    'continual:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return continualViews(db);
    },
    'continual:start': async ({ config }) => {
      checkContinualTasks(config);
      // Every task is pre-flighted in the engine process before the run row exists.
      for (const task of continualTaskConfigs(config)) await ctx.inference.preflight(task);
      return { runId: ctx.runs.startContinual(config) };
    },
  };
}
