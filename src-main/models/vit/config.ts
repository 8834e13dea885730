import { z } from 'zod';
import { activationSchema, id2labelSchema, labelsFrom, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { vitSpec } from './spec.ts';
import type { CommonConfig } from '../base/types.ts';

const schema = z.object({
  model_type: z.literal('vit'),
  architectures: z.array(z.string()).nullish(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  hidden_act: activationSchema('gelu'),
  hidden_dropout_prob: z.number().min(0).max(1).default(0),
  attention_probs_dropout_prob: z.number().min(0).max(1).default(0),
  layer_norm_eps: z.number().positive().default(1e-12),
  image_size: z.number().int().positive(),
  patch_size: z.number().int().positive(),
  num_channels: z.number().int().positive().default(3),
  qkv_bias: z.boolean().default(true),
  id2label: id2labelSchema,
  num_labels: z.number().int().optional(),
});

export interface VitConfig extends CommonConfig {
  intermediateSize: number;
  act: string;
  dropout: number;
  attentionDropout: number;
  eps: number;
  imageSize: number;
  patchSize: number;
  channels: number;
  qkvBias: boolean;
}

export function parseVitConfig(file: string, raw: unknown): VitConfig {
  const c = parseConfig(file, schema, raw);
  if (c.image_size % c.patch_size !== 0) {
    throw new ModelConfigError(
      file,
      `image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`,
    );
  }
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new ModelConfigError(
      file,
      `hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`,
    );
  }
  const task = taskFrom(c.architectures);
  return {
    ...declaredFields(vitSpec, task === 'base' ? 'image-classification' : task),
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    vocabSize: null,
    labels: labelsFrom(c),
    intermediateSize: c.intermediate_size,
    act: c.hidden_act,
    dropout: c.hidden_dropout_prob,
    attentionDropout: c.attention_probs_dropout_prob,
    eps: c.layer_norm_eps,
    imageSize: c.image_size,
    patchSize: c.patch_size,
    channels: c.num_channels,
    qkvBias: c.qkv_bias,
  };
}
