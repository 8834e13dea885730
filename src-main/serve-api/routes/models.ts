import fs from 'node:fs';
import { z } from 'zod';
import { ApiRefusal } from '../errors.ts';
import { findAdapter } from '../library.ts';
import type { AdapterLibrary, LibraryAdapter } from '../library.ts';
import { modelView, openAiModel } from '../schemas.ts';
import { defineRoute } from './route.ts';

/** Unix seconds of a folder's last change (OpenAI's `created`); 0 where it cannot be read. */
const createdOf = (dir: string | null): number => {
  try {
    return dir ? Math.floor(fs.statSync(dir).mtimeMs / 1000) : 0;
  } catch {
    return 0;
  }
};

/**
 * Every base and adapter as OpenAI lists models. An adapter is listed by its name, which /v1/completions takes
 * as `model`, unless a newer entry has the same name: then by its id, the one name that still reaches it.
 */
function openAiModels(lib: AdapterLibrary): z.output<typeof openAiModel>[] {
  const bases = lib.models().map((m) => ({
    id: m.id,
    object: 'model' as const,
    created: createdOf(m.id === 'default' ? null : m.id),
    owned_by: 'studio',
    root: m.id,
    parent: null,
  }));
  const adapters = lib
    .adapters()
    .map((a) => adapterEntry(a, findAdapter(lib, a.name)?.id === a.id ? a.name : a.id));
  return [...bases, ...adapters];
}

const adapterEntry = (a: LibraryAdapter, id: string): z.output<typeof openAiModel> => ({
  id,
  object: 'model',
  created: createdOf(a.dir),
  owned_by: 'library',
  root: a.model,
  parent: a.model,
});

export const modelsRoute = defineRoute({
  method: 'GET',
  path: '/v1/models',
  summary:
    "The bases and adapters usable as `model` (OpenAI's list: object and data), and the base models with their adapter counts (models)",
  response: z.object({
    object: z.literal('list'),
    data: z.array(openAiModel),
    models: z.array(modelView).describe('The base models of the library (the bundled default first)'),
  }),
  errors: [],
  async handle(ctx) {
    const adapters = ctx.library.adapters();
    return {
      object: 'list',
      data: openAiModels(ctx.library),
      models: ctx.library.models().map((m) => ({
        ...m,
        adapters: adapters.filter((a) => a.model === m.id).length,
      })),
    };
  },
});

export const modelRoute = defineRoute({
  method: 'GET',
  path: '/v1/models/{model}',
  summary: 'One entry of the model list (OpenAI: retrieve a model)',
  response: openAiModel,
  errors: [404],
  async handle(ctx, { params }) {
    const hit = openAiModels(ctx.library).find((m) => m.id === params.model);
    if (hit) return hit;
    // An adapter's id reaches it too, as /v1/completions takes it.
    const a = findAdapter(ctx.library, params.model ?? '');
    if (a) return adapterEntry(a, params.model ?? a.id);
    throw new ApiRefusal(
      404,
      `model "${params.model}" is not in the library (GET /v1/models lists them)`,
      undefined,
      {
        code: 'model_not_found',
        param: 'model',
      },
    );
  },
});
