import { z } from 'zod';
import { modelView } from '../schemas.ts';
import { defineRoute } from './route.ts';

export const modelsRoute = defineRoute({
  method: 'GET',
  path: '/v1/models',
  summary: 'The base models of the library (the bundled default first)',
  response: z.object({ models: z.array(modelView) }),
  errors: [],
  async handle(ctx) {
    const adapters = ctx.library.adapters();
    return {
      models: ctx.library.models().map((m) => ({
        ...m,
        adapters: adapters.filter((a) => a.model === m.id).length,
      })),
    };
  },
});
