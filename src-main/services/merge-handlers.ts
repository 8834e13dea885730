/** Contract handlers of merging adapters (src-shared/contract/merge-adapters.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { mergeAdaptersCalls } from '../../src-shared/contract/merge-adapters.ts';
import type { ServiceContext } from './context.ts';
import { mergeIntoLibrary } from './merge-adapters.ts';

export function mergeAdaptersHandlers(ctx: ServiceContext): HandlersOf<typeof mergeAdaptersCalls> {
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
