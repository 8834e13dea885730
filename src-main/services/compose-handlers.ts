/** Contract handlers of composing adapters (src-shared/contract/compose.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { composeCalls } from '../../src-shared/contract/compose.ts';
import type { ServiceContext } from './context.ts';
import { mergeIntoLibrary } from './merge-adapters.ts';

export function composeHandlers(ctx: ServiceContext): HandlersOf<typeof composeCalls> {
  return {
    'adapters:merge': async ({ project, runIds, name, options }) =>
      mergeIntoLibrary(
        ctx.projects.db(project),
        path.resolve(project),
        (r) => ctx.inference.mergeAdapters(r),
        {
          runIds,
          options,
          name,
        },
      ),
  };
}
