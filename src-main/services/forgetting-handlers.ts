import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { forgettingCalls } from '../../src-shared/contract/forgetting.ts';
import type { ServiceContext } from './context.ts';
import { forgettingRequest, runForgetting, storeForgetting } from './forgetting.ts';
import { runView } from './runs.ts';

export function forgettingHandlers(ctx: ServiceContext): HandlersOf<typeof forgettingCalls> {
  return {
    'forgetting:list': async ({ project, runId }) => runForgetting(ctx.projects.db(project), runId),
    // Scored in the engine process (tf.js never loads in main); the run page refreshes on run:status.
    'forgetting:score': async ({ project, runId, spec }) => {
      const db = ctx.projects.db(project);
      const req = forgettingRequest(db, path.resolve(project), runId, spec);
      const report = storeForgetting(db, runId, req, await ctx.inference.forgetting(req));
      ctx.events.emit('run:status', { projectPath: project, run: runView(db, runId) });
      return report;
    },
  };
}
