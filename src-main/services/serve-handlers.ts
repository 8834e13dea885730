/** Contract handlers of the serving-API switch (src-shared/contract/serve.ts); joined in createHandlers. */
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { serveCalls } from '../../src-shared/contract/serve.ts';
import type { ServiceContext } from './context.ts';

export function serveHandlers(ctx: ServiceContext): HandlersOf<typeof serveCalls> {
  return {
    'serve:status': async () => ctx.serveApi.status(),
    // Opening the project first refuses a folder that is not one, before anything listens.
    'serve:start': async ({ project }) =>
      ctx.serveApi.start({ project: project ? ctx.projects.open(project).path : null }),
    'serve:stop': async () => ctx.serveApi.stop(),
  };
}
