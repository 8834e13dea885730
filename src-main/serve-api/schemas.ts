/**
 * The API's requests and answers as zod schemas: the server validates every body with them and the OpenAPI
 * document (openapi.ts) is generated from the same objects, so the two cannot drift.
 */
import { z } from 'zod';

const MAX_TEXT = 100_000;

/** A library entry: its id (`12`), its run name, or `base` for the base model alone. */
export const adapterName = z
  .string()
  .min(1)
  .max(512)
  .describe('A library entry: its id (e.g. "12"), its name, or "base" for the base model alone');

const inferenceRequest = z
  .object({
    adapter: adapterName.default('base'),
    /** Only for `base`: an adapter brings its own base model. */
    model: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('With adapter "base": which base model ("default" or a model folder); default "default"'),
    text: z.string().min(1).max(MAX_TEXT).describe('The text'),
    pair: z.string().max(MAX_TEXT).optional().describe('A second text (sentence pairs)'),
  })
  .strict();

export const classifyRequest = inferenceRequest
  .extend({
    topK: z.number().int().min(1).max(1000).optional().describe('How many labels to return (default 5)'),
  })
  .strict();
export const embedRequest = inferenceRequest;
export const scoreRequest = inferenceRequest;

export const errorBody = z
  .object({
    error: z.object({
      message: z.string(),
      type: z
        .string()
        .describe('invalid_request_error, overloaded_error or server_error (as OpenAI types them)'),
      param: z.string().nullable().describe('The request field at fault, where one is'),
      code: z.string(),
    }),
  })
  .describe("What went wrong, in one line (OpenAI's error shape)");

const usedAdapter = z.object({ adapter: z.string(), model: z.string(), ms: z.number() });

export const classifyResponse = usedAdapter.extend({
  labels: z.array(z.object({ label: z.string(), probability: z.number() })),
});
export const embedResponse = usedAdapter.extend({ embedding: z.array(z.number()) });
export const scoreResponse = usedAdapter.extend({
  scores: z.array(z.object({ label: z.string(), logit: z.number(), logProbability: z.number() })),
});

export const modelView = z.object({
  id: z.string().describe('"default" or the model folder'),
  architecture: z.string(),
  task: z.string(),
  adapters: z.number().int().describe('Library entries trained on it'),
});

/** An entry of OpenAI's model list: every base and every adapter, each usable as `model` of /v1/completions. */
export const openAiModel = z.object({
  id: z.string().describe('A base model ("default" or its folder) or an adapter of the library (its name)'),
  object: z.literal('model'),
  created: z.number().int().describe("Unix seconds (the folder's time; 0 where unknown)"),
  owned_by: z.string().describe('"studio" for a base, "library" for an adapter'),
  root: z.string().describe('The base model'),
  parent: z.string().nullable().describe("An adapter's base model; null for a base"),
});

export const adapterView = z.object({
  id: z.string().describe('The library id (the run id)'),
  name: z.string(),
  method: z.string(),
  model: z.string().describe('Its base model'),
  labels: z.array(z.string()),
  loaded: z.boolean().describe('Hot-loaded in the serving process now'),
});

export const loadResponse = z.object({
  adapter: z.string(),
  method: z.string(),
  mixable: z
    .boolean()
    .describe('Shares mixed batches with other adapters (LoRA, bottleneck, IA3, prompt tuning)'),
  loadMs: z.number().describe('Reading its folder and building its tensors (0 when it was loaded already)'),
  alreadyLoaded: z.boolean(),
});

export const unloadResponse = z.object({ adapter: z.string(), unloaded: z.boolean() });

export const healthResponse = z.object({
  ok: z.boolean(),
  backend: z.string(),
  queued: z.number().int(),
  inFlight: z.number().int(),
  numTensors: z.number().int().describe('tf.js tensors alive in the serving process'),
});
