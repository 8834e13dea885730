import { classifyRequest, classifyResponse } from '../schemas.ts';
import { infer } from './infer.ts';
import { defineRoute } from './route.ts';

export const classifyRoute = defineRoute({
  method: 'POST',
  path: '/v1/classify',
  summary: "The adapter's top labels for a text (its own head), with probabilities",
  body: classifyRequest,
  response: classifyResponse,
  errors: [400, 404, 422, 503],
  async handle(ctx, { body }) {
    const { value, ...rest } = await infer(ctx, 'classify', body);
    return { ...rest, labels: value.op === 'classify' ? value.labels : [] };
  },
});
