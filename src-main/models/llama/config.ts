import { z } from 'zod';
import { activationSchema, id2labelSchema, labelsFrom, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { llamaSpec } from './spec.ts';
import type { CommonConfig } from '../base/types.ts';

const ropeSchema = z
  .object({ rope_theta: z.number().positive().optional(), rope_type: z.string().default('default') })
  .passthrough();

const schema = z.object({
  model_type: z.literal('llama'),
  architectures: z.array(z.string()).nullish(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().nullish(),
  head_dim: z.number().int().positive().nullish(),
  hidden_act: activationSchema('silu'),
  rms_norm_eps: z.number().positive().default(1e-6),
  max_position_embeddings: z.number().int().positive(),
  rope_theta: z.number().positive().optional(),
  rope_parameters: ropeSchema.nullish(),
  rope_scaling: ropeSchema.nullish(),
  attention_bias: z.boolean().default(false),
  attention_dropout: z.number().min(0).max(1).default(0),
  mlp_bias: z.boolean().default(false),
  pretraining_tp: z.number().int().default(1),
  tie_word_embeddings: z.boolean().default(false),
  pad_token_id: z.number().int().nullish(),
  id2label: id2labelSchema,
  num_labels: z.number().int().optional(),
});

export interface LlamaConfig extends CommonConfig {
  kvHeads: number;
  headDim: number;
  intermediateSize: number;
  act: string;
  eps: number;
  ropeTheta: number;
  attentionBias: boolean;
  mlpBias: boolean;
  attentionDropout: number;
  tied: boolean;
  /** Sequence classification scores the last token whose id is not this one (null: the last position). */
  padTokenId: number | null;
}

export function parseLlamaConfig(file: string, raw: unknown): LlamaConfig {
  const c = parseConfig(file, schema, raw);
  const rope = c.rope_parameters ?? c.rope_scaling;
  if (rope && rope.rope_type !== 'default') {
    throw new ModelConfigError(file, `rope type "${rope.rope_type}" is not supported (only "default")`);
  }
  if (c.pretraining_tp !== 1)
    throw new ModelConfigError(file, 'pretraining_tp other than 1 is not supported');
  const kvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kvHeads !== 0) {
    throw new ModelConfigError(
      file,
      `num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${kvHeads}`,
    );
  }
  const task = taskFrom(c.architectures);
  return {
    ...declaredFields(llamaSpec, task === 'base' ? 'causal-lm' : task),
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    vocabSize: c.vocab_size,
    labels: task === 'sequence-classification' ? labelsFrom(c) : [],
    kvHeads,
    headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    act: c.hidden_act,
    eps: c.rms_norm_eps,
    ropeTheta: rope?.rope_theta ?? c.rope_theta ?? 10000,
    attentionBias: c.attention_bias,
    mlpBias: c.mlp_bias,
    attentionDropout: c.attention_dropout,
    tied: c.tie_word_embeddings,
    padTokenId: c.pad_token_id ?? null,
  };
}
