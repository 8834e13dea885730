/** Contract handlers of the Models, Adapters and New-run helpers (src-shared/contract/library.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { libraryCalls } from '../../src-shared/contract/library.ts';
import { deletePreset, listPresets, savePreset } from '../db/tables/presets.ts';
import { UserError } from '../errors.ts';
import { modelInfo } from '../models/info.ts';
import { resolveFuseAdapters } from './compose.ts';
import type { ServiceContext } from './context.ts';
import { addModel, listAdapters, listModels, playgroundRequest, removeModel } from './library.ts';

export function libraryHandlers(ctx: ServiceContext): HandlersOf<typeof libraryCalls> {
  return {
    'models:info': async ({ path: folder }) => modelInfo(folder),
    'models:list': async ({ project }) => listModels(ctx.projects.db(project)),
    'models:add': async ({ project, path: folder }) => addModel(ctx.projects.db(project), folder),
    'models:remove': async ({ project, id }) => {
      removeModel(ctx.projects.db(project), id);
      return { ok: true as const };
    },
    'adapters:list': async ({ project }) => listAdapters(ctx.projects.db(project), path.resolve(project)),
    'playground:predict': async ({ project, ...input }) =>
      ctx.inference.predict(playgroundRequest(ctx.projects.db(project), path.resolve(project), input)),
    'runs:preview': async ({ config }) =>
      ctx.inference.preview(
        resolveFuseAdapters(ctx.projects.db(config.project), path.resolve(config.project), config),
      ),
    'presets:list': async ({ project }) => listPresets(ctx.projects.db(project)),
    'presets:save': async ({ project, name, config }) =>
      savePreset(ctx.projects.db(project), name, config as Record<string, unknown>),
    'presets:delete': async ({ project, id }) => {
      if (!deletePreset(ctx.projects.db(project), id))
        throw new UserError(`preset ${id}: not in this project`);
      return { ok: true as const };
    },
  };
}
