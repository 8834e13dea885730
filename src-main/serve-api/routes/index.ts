/** Every route of the API, in the order the OpenAPI document lists them. */
import { z } from 'zod';
import { APP_VERSION } from '../../app/package-info.ts';
import { openApiDocument } from '../openapi.ts';
import { adaptersRoute } from './adapters.ts';
import { classifyRoute } from './classify.ts';
import { embedRoute } from './embed.ts';
import { healthRoute } from './health.ts';
import { loadRoute, unloadRoute } from './load.ts';
import { completionsRoute } from './completions.ts';
import { modelRoute, modelsRoute } from './models.ts';
import { defineRoute } from './route.ts';
import type { ApiRoute } from './route.ts';
import { scoreRoute } from './score.ts';

const served: ApiRoute[] = [
  modelsRoute,
  modelRoute,
  adaptersRoute,
  loadRoute,
  unloadRoute,
  classifyRoute,
  embedRoute,
  scoreRoute,
  completionsRoute,
  healthRoute,
];

const openApiRoute = defineRoute({
  method: 'GET',
  path: '/openapi.json',
  summary: 'This document (OpenAPI 3.0), generated from the schemas the server validates with',
  response: z.record(z.string(), z.unknown()),
  errors: [],
  public: true,
  async handle(ctx) {
    return openApiDocument(ROUTES, ctx.baseUrl(), APP_VERSION);
  },
});

export const ROUTES: readonly ApiRoute[] = [...served, openApiRoute];
