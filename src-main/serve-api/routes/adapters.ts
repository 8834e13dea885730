import { z } from 'zod';
import { adapterView } from '../schemas.ts';
import { defineRoute } from './route.ts';

export const adaptersRoute = defineRoute({
  method: 'GET',
  path: '/v1/adapters',
  summary: "The project's adapter library (newest first), and which adapters are hot-loaded",
  response: z.object({ adapters: z.array(adapterView) }),
  errors: [],
  async handle(ctx) {
    const status = await ctx.serving.status();
    const loaded = new Set(status.models.flatMap((m) => m.adapters));
    return {
      adapters: ctx.library.adapters().map((a) => ({
        id: a.id,
        name: a.name,
        method: a.method,
        model: a.model,
        labels: a.labels,
        loaded: loaded.has(a.id),
      })),
    };
  },
});
