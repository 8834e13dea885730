/**
 * One API route = one file in this folder: its method and path, the zod schemas of its body and answer (the
 * server validates with them, openapi.ts documents them), the statuses it may answer besides 200, and its handler.
 * Adding an endpoint is adding a file and one line in index.ts.
 */
import type { z } from 'zod';
import type { GenerateRequest, GenerationResult } from '../../../src-shared/generation.ts';
import type { AdapterRef, GenerationPiece, LoadResult, ServingStatus } from '../../serving/protocol.ts';
import type { AdapterLibrary } from '../library.ts';
import type { BatchScheduler } from '../scheduler.ts';

/** What the serving process does for routes beyond batches (which go through the scheduler). */
export interface ServingControl {
  load(model: string, adapter: AdapterRef): Promise<LoadResult>;
  unload(model: string, key: string): Promise<{ unloaded: boolean }>;
  status(): Promise<ServingStatus>;
  /** Aborting `signal` stops the generation at its next token. */
  generate(
    request: GenerateRequest,
    onPiece?: (p: GenerationPiece) => void,
    signal?: AbortSignal,
  ): Promise<GenerationResult>;
}

export interface ApiContext {
  library: AdapterLibrary & { refresh?(): void };
  scheduler: BatchScheduler;
  serving: ServingControl;
  /** The router that requests for adapter `auto` go through (id or name); default: the base's newest router. */
  autoRouter?: string;
  /** The server's own base URL (http://127.0.0.1:PORT), for the OpenAPI document. */
  baseUrl: () => string;
}

export interface RouteInput<B> {
  body: B;
  /** Path parameters by name (`{adapter}` in the path). */
  params: Record<string, string>;
  /** Aborts when the client goes away before the whole answer is sent: work for it may stop. */
  signal: AbortSignal;
}

interface RouteSpec<S extends z.ZodType | undefined> {
  method: 'GET' | 'POST';
  /** OpenAPI-style path, e.g. `/v1/adapters/{adapter}/load`. */
  path: string;
  summary: string;
  body?: S;
  response: z.ZodType;
  /** Where the handler may answer a stream of server-sent events (an EventStream): each event's schema. */
  stream?: z.ZodType;
  /** Statuses other than 200 and 401 this route answers, each with the error body. */
  errors: readonly number[];
  /** Served without the token (the API's description only: it holds no data). */
  public?: boolean;
  handle(ctx: ApiContext, input: RouteInput<S extends z.ZodType ? z.output<S> : undefined>): Promise<unknown>;
}

/** A route as the server holds it: its body is validated by `body` before `handle` sees it. */
export type ApiRoute = Omit<RouteSpec<z.ZodType | undefined>, 'handle'> & {
  handle(ctx: ApiContext, input: RouteInput<unknown>): Promise<unknown>;
};

export function defineRoute<S extends z.ZodType | undefined = undefined>(spec: RouteSpec<S>): ApiRoute {
  return {
    ...spec,
    // The server parsed the body with spec.body before calling: it has the schema's output type.
    handle: (ctx, input) =>
      spec.handle(ctx, input as RouteInput<S extends z.ZodType ? z.output<S> : undefined>),
  };
}
