import { healthResponse } from '../schemas.ts';
import { defineRoute } from './route.ts';

export const healthRoute = defineRoute({
  method: 'GET',
  path: '/v1/health',
  summary: "The serving process's backend, queue and live tensor count",
  response: healthResponse,
  errors: [],
  async handle(ctx) {
    const s = await ctx.serving.status();
    return {
      ok: true,
      backend: s.backend,
      queued: ctx.scheduler.queued,
      inFlight: ctx.scheduler.inFlight,
      numTensors: s.numTensors,
      generatedTokens: s.generatedTokens,
    };
  },
});
