import { ApiRefusal } from '../errors.ts';
import { loadResponse, unloadResponse } from '../schemas.ts';
import { resolveAdapter } from './infer.ts';
import { defineRoute } from './route.ts';

const named = (ctx: Parameters<typeof resolveAdapter>[0], name: string | undefined) => {
  const a = resolveAdapter(ctx, name ?? '');
  if (!a) throw new ApiRefusal(400, 'the base model is always loaded: name an adapter');
  return a;
};

/** Hot load: the adapter's tensors built in the serving process now, so its first request pays nothing. */
export const loadRoute = defineRoute({
  method: 'POST',
  path: '/v1/adapters/{adapter}/load',
  summary: 'Hot-loads an adapter (no restart); requests also load it on first use',
  response: loadResponse,
  errors: [400, 404, 422],
  async handle(ctx, { params }) {
    const a = named(ctx, params.adapter);
    try {
      const r = await ctx.serving.load(a.model, { key: a.id, dir: a.dir });
      return {
        adapter: params.adapter,
        method: r.method,
        mixable: r.mixable,
        loadMs: r.loadMs,
        alreadyLoaded: r.alreadyLoaded,
      };
    } catch (err) {
      throw new ApiRefusal(422, (err as Error).message);
    }
  },
});

export const unloadRoute = defineRoute({
  method: 'POST',
  path: '/v1/adapters/{adapter}/unload',
  summary: 'Unloads an adapter, freeing its tensors (a later request loads it again)',
  response: unloadResponse,
  errors: [400, 404],
  async handle(ctx, { params }) {
    const a = named(ctx, params.adapter);
    const r = await ctx.serving.unload(a.model, a.id);
    return { adapter: params.adapter, unloaded: r.unloaded };
  },
});
