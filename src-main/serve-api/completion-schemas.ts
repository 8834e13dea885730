/**
 * OpenAI's legacy completions API (`POST /v1/completions`) as zod schemas: the fields OpenAI's clients send, with
 * OpenAI's defaults (max_tokens 16, temperature 1, top_p 1), plus `top_k` as an extension (vLLM's name). Fields
 * the studio cannot honour (echo, logprobs, suffix, best_of > 1, penalties, logit_bias, n > 1) are refused by
 * name rather than ignored, so no client believes it got what it asked for.
 */
import { z } from 'zod';

const MAX_PROMPT = 100_000;

const nullish = <T extends z.ZodType>(s: T) => s.nullish();
const only = (value: string) => `not supported by the studio: leave it out or send ${value}`;

export const completionRequest = z
  .object({
    model: z
      .string()
      .min(1)
      .max(4096)
      .describe('An adapter of the library (its name or id) or a base model, as GET /v1/models lists them'),
    prompt: z
      .union([z.string().min(1).max(MAX_PROMPT), z.array(z.string().min(1).max(MAX_PROMPT)).min(1).max(32)])
      .describe('The text to continue, or several (one choice each, in order)'),
    max_tokens: nullish(z.number().int().min(1).max(4096)).describe(
      'New tokens at most per prompt (default 16)',
    ),
    temperature: nullish(z.number().min(0).max(2)).describe(
      '0: greedy; otherwise logits / temperature (default 1)',
    ),
    top_p: nullish(z.number().gt(0).max(1)).describe(
      'Nucleus sampling: the smallest head reaching p (default 1)',
    ),
    top_k: nullish(z.number().int().min(0)).describe('Extension: only the k most probable tokens (0: all)'),
    seed: nullish(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
    ).describe('The sampler seed: the same seed and options give the same text (default: a random one)'),
    stop: nullish(z.union([z.string().min(1), z.array(z.string().min(1)).max(4)])).describe(
      'Up to 4 sequences; the text ends before the first one generated',
    ),
    n: nullish(z.literal(1, { error: only('1') })).describe('Completions per prompt: 1 only'),
    stream: nullish(z.boolean()).describe(
      'Server-sent events of completion chunks, ending with data: [DONE]',
    ),
    stream_options: nullish(z.object({ include_usage: nullish(z.boolean()) }).strict()).describe(
      'include_usage: a last chunk with no choices and the usage counts',
    ),
    echo: nullish(z.literal(false, { error: only('false') })).describe('false only'),
    logprobs: nullish(z.null({ error: only('null') })).describe('Not supported: null only'),
    suffix: nullish(z.null({ error: only('null') })).describe('Not supported: null only'),
    best_of: nullish(z.literal(1, { error: only('1') })).describe('1 only'),
    presence_penalty: nullish(z.literal(0, { error: only('0') })).describe('0 only'),
    frequency_penalty: nullish(z.literal(0, { error: only('0') })).describe('0 only'),
    logit_bias: nullish(z.strictObject({}, { error: only('{}') })).describe('Empty only'),
    user: nullish(z.string().max(512)).describe('Accepted and ignored'),
  })
  .strict();

export type CompletionRequest = z.output<typeof completionRequest>;

const finishReason = z
  .enum(['stop', 'length'])
  .describe('"stop": a stop sequence or the end-of-sequence token; "length": max_tokens or the context');

const usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

const choice = z.object({
  text: z.string(),
  index: z.number().int(),
  logprobs: z.null(),
  finish_reason: finishReason,
});

export const completionResponse = z.object({
  id: z.string(),
  object: z.literal('text_completion'),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(choice),
  usage,
});

/** One server-sent event of a streamed completion. */
export const completionChunk = completionResponse.extend({
  choices: z.array(choice.extend({ finish_reason: finishReason.nullable() })),
  usage: usage
    .nullable()
    .optional()
    .describe('With stream_options.include_usage: null, then the counts on a last chunk with no choices'),
});

export type CompletionResponse = z.output<typeof completionResponse>;
export type CompletionChunk = z.output<typeof completionChunk>;
