/** Contract handlers of the generation playground (src-shared/contract/generation.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { generationCalls } from '../../src-shared/contract/generation.ts';
import type { ServiceContext } from './context.ts';
import { playgroundRequest } from './library.ts';

export function generationHandlers(ctx: ServiceContext): HandlersOf<typeof generationCalls> {
  return {
    'playground:generate': async ({ project, model, runIds, prompt, options, requestId }) => {
      // The same run-id checks as the classification playground: completed runs with an adapter folder.
      const { adapters } = playgroundRequest(ctx.projects.db(project), path.resolve(project), {
        model,
        runIds,
      });
      return ctx.inference.generate({ model, adapters, prompt, options }, (piece) =>
        ctx.events.emit('generate:token', { requestId, ...piece }),
      );
    },
  };
}
