/**
 * OpenAI's legacy completions API over the library: `model` names an adapter (generating on its base with it)
 * or a base model alone. The serving process generates exactly as `studio generate` does (the same code and
 * defaults once the options are the same), one prompt after another; streamed answers are OpenAI's chunks.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { APP_VERSION } from '../../app/package-info.ts';
import type { GenerationColumn, SamplingOptions } from '../../../src-shared/generation.ts';
import { completionChunk, completionRequest, completionResponse } from '../completion-schemas.ts';
import type { CompletionChunk, CompletionRequest } from '../completion-schemas.ts';
import { ApiRefusal } from '../errors.ts';
import { findAdapter } from '../library.ts';
import type { LibraryAdapter } from '../library.ts';
import { EventStream } from '../sse.ts';
import type { Emit } from '../sse.ts';
import { defineRoute } from './route.ts';
import type { ApiContext } from './route.ts';

/** What a request's `model` names: a base alone, or an adapter on its base. */
export function resolveModel(
  ctx: ApiContext,
  name: string,
): { base: string; adapter: LibraryAdapter | null } {
  const base = ctx.library.models().find((m) => m.id === name);
  if (base) return { base: base.id, adapter: null };
  let adapter = findAdapter(ctx.library, name);
  if (!adapter && ctx.library.refresh) {
    // Trained a moment ago: read the library again once before refusing.
    ctx.library.refresh();
    adapter = findAdapter(ctx.library, name);
  }
  if (!adapter)
    throw new ApiRefusal(
      404,
      `model "${name}" is neither an adapter of the library nor a base model (GET /v1/models lists them)`,
      undefined,
      { code: 'model_not_found', param: 'model' },
    );
  return { base: adapter.model, adapter };
}

/** OpenAI's defaults where the request leaves a field out (studio generate's own are greedy and seed 0). */
export function samplingOf(body: CompletionRequest): SamplingOptions {
  return {
    maxNewTokens: body.max_tokens ?? 16,
    temperature: body.temperature ?? 1,
    topK: body.top_k ?? 0,
    topP: body.top_p ?? 1,
    seed: body.seed ?? randomInt(2 ** 31),
    stop: typeof body.stop === 'string' ? [body.stop] : (body.stop ?? []),
    useCache: true,
    stopAtEos: true,
  };
}

/** "stop" for a stop sequence or the end-of-sequence token, "length" for max_tokens or the model's context. */
const finishOf = (c: GenerationColumn) => (c.finish === 'eos' || c.finish === 'stop' ? 'stop' : 'length');

/** Generation requests waiting at most: the serving process makes one at a time, a longer wait is refused. */
const MAX_WAITING = 16;
const waiting = new WeakMap<ApiContext, number>();

export const completionsRoute = defineRoute({
  method: 'POST',
  path: '/v1/completions',
  summary:
    'OpenAI-compatible text completion with a causal-LM adapter (or base) as `model`; `stream: true` answers server-sent events',
  body: completionRequest,
  response: completionResponse,
  stream: completionChunk,
  errors: [400, 404, 422, 503],
  async handle(ctx, { body, signal }) {
    const { base, adapter } = resolveModel(ctx, body.model);
    const options = samplingOf(body);
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    const head = {
      id: `cmpl-${randomBytes(12).toString('hex')}`,
      object: 'text_completion' as const,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: `studio-${APP_VERSION}`,
    };
    const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

    const inFlight = waiting.get(ctx) ?? 0;
    if (inFlight >= MAX_WAITING)
      throw new ApiRefusal(503, `${inFlight} generations are waiting already: try again shortly`, 1);
    waiting.set(ctx, inFlight + 1);
    const release = () => waiting.set(ctx, (waiting.get(ctx) ?? 1) - 1);

    /** One prompt through the serving process; `onDelta` hears its text as it grows; `signal` stops it. */
    const one = async (prompt: string, onDelta?: (delta: string) => void, signal?: AbortSignal) => {
      const result = await ctx.serving.generate(
        {
          model: base,
          adapters: adapter ? [{ key: adapter.id, title: adapter.name, dir: adapter.dir }] : [],
          prompt,
          options,
          skipBase: adapter !== null,
        },
        onDelta ? (p) => p.delta && onDelta(p.delta) : undefined,
        signal,
      );
      const column = result.columns[0];
      if (!column) throw new Error('the serving process answered no column');
      if (column.error) throw new ApiRefusal(422, `${body.model}: ${column.error}`);
      usage.prompt_tokens += column.promptIds.length;
      usage.completion_tokens += column.ids.length;
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      return column;
    };

    if (!body.stream) {
      try {
        const columns: GenerationColumn[] = [];
        for (const p of prompts) columns.push(await one(p, undefined, signal));
        return {
          ...head,
          choices: columns.map((c, index) => ({
            text: c.text,
            index,
            logprobs: null,
            finish_reason: finishOf(c),
          })),
          usage,
        };
      } finally {
        release();
      }
    }

    const withUsage = body.stream_options?.include_usage === true;
    const chunk = (choices: CompletionChunk['choices'], last?: typeof usage): CompletionChunk => ({
      ...head,
      choices,
      ...(withUsage ? { usage: last ?? null } : {}),
    });
    return new EventStream(async (emit: Emit, gone) => {
      try {
        for (const [index, p] of prompts.entries()) {
          if (gone.aborted) return;
          const c = await one(
            p,
            (text) => emit(chunk([{ text, index, logprobs: null, finish_reason: null }])),
            gone,
          );
          emit(chunk([{ text: '', index, logprobs: null, finish_reason: finishOf(c) }]));
        }
        if (withUsage) emit(chunk([], { ...usage }));
      } finally {
        release();
      }
    });
  },
});
