/**
 * The OpenAPI 3.0 document of the API, generated from the routes themselves (their zod schemas through zod's own
 * JSON Schema output), so what is documented is what the server validates.
 */
import { z } from 'zod';
import { errorBody } from './schemas.ts';
import type { ApiRoute } from './routes/route.ts';

const schema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' });

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed or names something the adapter cannot do',
  401: 'No token, or a wrong one: send Authorization: Bearer <token>',
  404: 'No such adapter or model (the message names it)',
  422: 'The adapter could not be loaded or run',
  503: 'The queue is full: retry after the Retry-After header (seconds)',
};

export function openApiDocument(routes: readonly ApiRoute[], baseUrl: string, version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const errors = r.public ? r.errors : [401, ...r.errors];
    paths[r.path] = {
      ...paths[r.path],
      [r.method.toLowerCase()]: {
        summary: r.summary,
        ...(r.public ? { security: [] } : {}),
        ...(params.length ? { parameters: params } : {}),
        ...(r.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: schema(r.body, 'input') } },
              },
            }
          : {}),
        responses: {
          200: {
            description: 'OK',
            content: {
              'application/json': { schema: schema(r.response, 'output') },
              // Each event is `data: <one of these as JSON>`; the stream ends with `data: [DONE]`.
              ...(r.stream ? { 'text/event-stream': { schema: schema(r.stream, 'output') } } : {}),
            },
          },
          ...Object.fromEntries(
            errors.map((s) => [
              s,
              {
                description: STATUS_TEXT[s] ?? 'Refused',
                content: { 'application/json': { schema: schema(errorBody, 'output') } },
              },
            ]),
          ),
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Adapter Studio serving API',
      version,
      description:
        'Classify, embed and score with any adapter of a project library per request; requests for different adapters share batches. Generate text with causal-LM adapters through the OpenAI-compatible /v1/completions and /v1/models. Loopback only; every call but this document needs the studio token as a bearer header.',
    },
    servers: [{ url: baseUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
