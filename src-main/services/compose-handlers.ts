/** Contract handlers of the Compose page (src-shared/contract/compose.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { composeCalls } from '../../src-shared/contract/compose.ts';
import { draftComposition, saveComposition } from './compose.ts';
import type { ServiceContext } from './context.ts';

export function composeHandlers(ctx: ServiceContext): HandlersOf<typeof composeCalls> {
  return {
    'compose:try': async ({ project, block, runIds, text, pair }) => {
      const draft = draftComposition(ctx.projects.db(project), path.resolve(project), { block, runIds });
      try {
        return await ctx.inference.predict({
          model: draft.model,
          adapters: [{ key: 'composition', title: 'Composition', dir: draft.dir }],
          text,
          ...(pair ? { pair } : {}),
        });
      } finally {
        draft.cleanup();
      }
    },
    'compose:save': async ({ project, block, runIds, name }) =>
      saveComposition(
        ctx.projects.db(project),
        path.resolve(project),
        { block, runIds, ...(name ? { name } : {}) },
        (model, dir) => ctx.inference.checkAdapter(model, dir),
      ),
  };
}
