import { z } from 'zod';
import { activationSchema, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { gpt2Spec } from './spec.ts';
import type { CommonConfig } from '../base/types.ts';

const schema = z.object({
  model_type: z.literal('gpt2'),
  architectures: z.array(z.string()).nullish(),
  vocab_size: z.number().int().positive(),
  n_embd: z.number().int().positive(),
  n_layer: z.number().int().positive(),
  n_head: z.number().int().positive(),
  n_inner: z.number().int().positive().nullish(),
  n_positions: z.number().int().positive(),
  activation_function: activationSchema('gelu_new'),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  resid_pdrop: z.number().min(0).max(1).default(0.1),
  embd_pdrop: z.number().min(0).max(1).default(0.1),
  attn_pdrop: z.number().min(0).max(1).default(0.1),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  add_cross_attention: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
});

export interface Gpt2Config extends CommonConfig {
  innerSize: number;
  act: string;
  eps: number;
  residDropout: number;
  embdDropout: number;
  attnDropout: number;
  maxPositions: number;
  scaleAttn: boolean;
  scaleByLayer: boolean;
  tied: boolean;
}

export function parseGpt2Config(file: string, raw: unknown): Gpt2Config {
  const c = parseConfig(file, schema, raw);
  if (c.add_cross_attention)
    throw new ModelConfigError(file, 'add_cross_attention: cross-attention is not supported');
  if (c.n_embd % c.n_head !== 0)
    throw new ModelConfigError(file, `n_embd ${c.n_embd} is not divisible by n_head ${c.n_head}`);
  const task = taskFrom(c.architectures);
  return {
    ...declaredFields(gpt2Spec, task === 'base' ? 'causal-lm' : task),
    hiddenSize: c.n_embd,
    numLayers: c.n_layer,
    numHeads: c.n_head,
    vocabSize: c.vocab_size,
    labels: [],
    innerSize: c.n_inner ?? 4 * c.n_embd,
    act: c.activation_function,
    eps: c.layer_norm_epsilon,
    residDropout: c.resid_pdrop,
    embdDropout: c.embd_pdrop,
    attnDropout: c.attn_pdrop,
    maxPositions: c.n_positions,
    scaleAttn: c.scale_attn_weights,
    scaleByLayer: c.scale_attn_by_inverse_layer_idx,
    tied: c.tie_word_embeddings,
  };
}
