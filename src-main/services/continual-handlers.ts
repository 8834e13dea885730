import type { Handlers } from '../../src-shared/contract.ts';
import type { ServiceContext } from './context.ts';
import { continualViews } from './continual.ts';
import { markStaleRunsInterrupted } from './training.ts';
import { preflightReady } from '../training/preflight/backend.ts';

export function continualHandlers(ctx: ServiceContext): Pick<Handlers, 'continual:list' | 'continual:start'> {
  return {
    'continual:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return continualViews(db);
    },
    'continual:start': async ({ config }) => {
      await preflightReady();
      return { runId: ctx.runs.startContinual(config) };
    },
  };
}
