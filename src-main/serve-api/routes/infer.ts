/** What classify, embed and score share: resolve the adapter, queue the request, answer its result. */
import type { z } from 'zod';
import type { ItemValue, ServeOp } from '../../serving/protocol.ts';
import { ApiRefusal } from '../errors.ts';
import { findAdapter } from '../library.ts';
import type { LibraryAdapter } from '../library.ts';
import type { classifyRequest } from '../schemas.ts';
import type { ApiContext } from './route.ts';

type InferBody = z.output<typeof classifyRequest>;

/**
 * The router `auto` names: the library entry the server was started with (`--auto-router`), else the newest router
 * trained on the request's base model.
 */
function autoRouter(ctx: ApiContext, model: string | undefined): LibraryAdapter {
  const all = ctx.library.adapters();
  const pick = () =>
    ctx.autoRouter !== undefined
      ? findAdapter(ctx.library, ctx.autoRouter)
      : all.find((a) => a.method === 'router' && (model === undefined || a.model === model));
  let hit = pick();
  if (!hit && ctx.library.refresh) {
    ctx.library.refresh();
    hit = pick();
  }
  if (!hit)
    throw new ApiRefusal(
      404,
      ctx.autoRouter !== undefined
        ? `adapter "auto": the router "${ctx.autoRouter}" is not in the library`
        : `adapter "auto" routes through a router, and the library has none${model ? ` on ${model}` : ''}: train one (method "router")`,
    );
  return hit;
}

/** The library entry a request names (404 with its name when there is none); null for `base`. */
export function resolveAdapter(ctx: ApiContext, name: string, model?: string): LibraryAdapter | null {
  if (name === 'base') return null;
  if (name === 'auto') return autoRouter(ctx, model);
  let hit = findAdapter(ctx.library, name);
  if (!hit && ctx.library.refresh) {
    // Trained a moment ago: read the library again once before refusing.
    ctx.library.refresh();
    hit = findAdapter(ctx.library, name);
  }
  if (!hit) throw new ApiRefusal(404, `adapter "${name}" is not in the library (GET /v1/adapters lists it)`);
  return hit;
}

export async function infer(
  ctx: ApiContext,
  op: ServeOp,
  body: InferBody,
): Promise<{ adapter: string; model: string; ms: number; value: ItemValue }> {
  const t0 = performance.now();
  const adapter = resolveAdapter(ctx, body.adapter, body.model);
  if (adapter && body.model !== undefined && body.model !== adapter.model)
    throw new ApiRefusal(
      400,
      `adapter "${body.adapter}" is trained on ${adapter.model}, not ${body.model}: leave model out`,
    );
  const model = adapter?.model ?? body.model ?? 'default';
  const result = await ctx.scheduler.submit(model, {
    op,
    adapter: adapter ? { key: adapter.id, dir: adapter.dir } : null,
    text: body.text,
    ...(body.pair ? { pair: body.pair } : {}),
    ...(body.topK !== undefined ? { topK: body.topK } : {}),
  });
  if (!result.ok) throw new ApiRefusal(result.status, result.error);
  return { adapter: body.adapter, model, ms: performance.now() - t0, value: result.value };
}
