import { scoreRequest, scoreResponse } from '../schemas.ts';
import { infer } from './infer.ts';
import { defineRoute } from './route.ts';

export const scoreRoute = defineRoute({
  method: 'POST',
  path: '/v1/score',
  summary: "Every label's logit and log-probability under the adapter's head (for ranking and calibration)",
  body: scoreRequest,
  response: scoreResponse,
  errors: [400, 404, 422, 503],
  async handle(ctx, { body }) {
    const { value, ...rest } = await infer(ctx, 'score', body);
    return { ...rest, scores: value.op === 'score' ? value.scores : [] };
  },
});
