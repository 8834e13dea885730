/** Contract handlers of the method shoot-outs (src-shared/contract/shootouts.ts); joined in createHandlers. */
import type { shootoutsCalls } from '../../src-shared/contract/shootouts.ts';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { MethodConfigInput } from '../../src-shared/methods.ts';
import { SHOOTOUT_METHODS, methodLabel } from '../../src-shared/shootout.ts';
import { listShootouts } from '../db/tables/shootouts.ts';
import { shootoutView } from '../experiments/shootout.ts';
import type { ServiceContext } from './context.ts';
import { ShootoutManager } from './shootout-manager.ts';
import { markStaleRunsInterrupted } from './training.ts';

export function shootoutsHandlers(ctx: ServiceContext): HandlersOf<typeof shootoutsCalls> {
  const shootouts = new ShootoutManager(ctx);
  return {
    'shootouts:defaults': async () => ({
      // The list is plain data (src-shared cannot name the registry's types); each entry is a valid method config.
      methods: SHOOTOUT_METHODS.map((method) => ({
        method: method as MethodConfigInput,
        label: methodLabel(method),
      })),
    }),
    'shootouts:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return listShootouts(db).map((s) => shootoutView(db, s));
    },
    'shootouts:start': async ({ config }) => ({ shootoutId: shootouts.start(config) }),
    'shootouts:resume': async ({ project, shootoutId }) => {
      shootouts.resume(project, shootoutId);
      return { ok: true };
    },
    'shootouts:cancel': async ({ project, shootoutId }) => {
      shootouts.cancel(project, shootoutId);
      return { ok: true };
    },
  };
}
