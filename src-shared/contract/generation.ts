/**
 * Contract of the generation playground (Adapters page, causal-LM bases): text from the base and the chosen
 * adapters side by side, each column's tokens pushed as `generate:token` events while it generates.
 */
// Handlers: src-main/services/generation-handlers.ts.
import { z } from 'zod';
import type { GenerationResult } from '../generation.ts';
import { projectPath, runId } from './common.ts';
import { call } from './define.ts';

/** SamplingOptions (src-shared/generation.ts), checked at the boundary. */
export const samplingOptionsSchema = z
  .object({
    maxNewTokens: z.number().int().min(1, 'Max new tokens must be at least 1').max(2048),
    temperature: z.number().min(0, 'Temperature must be 0 or more').max(100),
    topK: z.number().int().min(0, 'Top-k must be 0 (all) or more'),
    topP: z.number().gt(0, 'Top-p must be greater than 0').max(1, 'Top-p must be at most 1'),
    seed: z.number().int().min(0).max(0xffffffff),
    stop: z.array(z.string().min(1).max(200)).max(8),
    useCache: z.boolean(),
    stopAtEos: z.boolean(),
  })
  .strict();

export const generationCalls = {
  'playground:generate': call(
    z
      .object({
        project: projectPath,
        /** "default" or a model folder: a causal-LM base (GPT-2, Llama). */
        model: z.string().min(1).max(4096),
        runIds: z.array(runId).max(8),
        prompt: z.string().min(1, 'type a prompt').max(20_000),
        options: samplingOptionsSchema,
        /** The page's id for this request: its `generate:token` events carry it. */
        requestId: z.string().min(1).max(64),
      })
      .strict(),
  ).returns<GenerationResult>(),
} as const;
