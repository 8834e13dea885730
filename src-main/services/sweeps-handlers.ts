/** Contract handlers of the Experiments page's sweeps (src-shared/contract/sweeps.ts); joined in createHandlers. */
import type { sweepsCalls } from '../../src-shared/contract/sweeps.ts';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import { sweepViews } from '../experiments/sweeps.ts';
import type { ServiceContext } from './context.ts';
import { SweepManager } from './sweep-manager.ts';
import { markStaleRunsInterrupted } from './training.ts';

export function sweepsHandlers(ctx: ServiceContext): HandlersOf<typeof sweepsCalls> {
  const sweeps = new SweepManager(ctx);
  return {
    'sweeps:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return sweepViews(db);
    },
    'sweeps:start': async ({ config }) => {
      // The base settings are checked by the engine before anything is recorded; each trial again as it starts.
      await ctx.inference.preflight({ ...config.base, project: config.project });
      return { sweepId: sweeps.start(config) };
    },
    'sweeps:resume': async ({ project, sweepId }) => {
      sweeps.resume(project, sweepId);
      return { ok: true };
    },
    'sweeps:cancel': async ({ project, sweepId }) => {
      sweeps.cancel(project, sweepId);
      return { ok: true };
    },
  };
}
