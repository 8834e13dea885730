import { embedRequest, embedResponse } from '../schemas.ts';
import { infer } from './infer.ts';
import { defineRoute } from './route.ts';

export const embedRoute = defineRoute({
  method: 'POST',
  path: '/v1/embed',
  summary: 'The mean of the last hidden state over the attended positions, with the adapter applied',
  body: embedRequest,
  response: embedResponse,
  errors: [400, 404, 422, 503],
  async handle(ctx, { body }) {
    const { value, ...rest } = await infer(ctx, 'embed', body);
    return { ...rest, embedding: value.op === 'embed' ? value.embedding : [] };
  },
});
