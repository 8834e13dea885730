import { z } from 'zod';
import { activationSchema, id2labelSchema, labelsFrom, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { distilBertSpec } from './spec.ts';
import type { CommonConfig } from '../base/types.ts';

const schema = z.object({
  model_type: z.literal('distilbert'),
  architectures: z.array(z.string()).nullish(),
  vocab_size: z.number().int().positive(),
  dim: z.number().int().positive(),
  n_layers: z.number().int().positive(),
  n_heads: z.number().int().positive(),
  hidden_dim: z.number().int().positive(),
  activation: activationSchema('gelu'),
  dropout: z.number().min(0).max(1).default(0.1),
  attention_dropout: z.number().min(0).max(1).default(0.1),
  seq_classif_dropout: z.number().min(0).max(1).default(0.2),
  max_position_embeddings: z.number().int().positive(),
  id2label: id2labelSchema,
  num_labels: z.number().int().optional(),
});

export interface DistilBertConfig extends CommonConfig {
  ffnSize: number;
  act: string;
  dropout: number;
  attentionDropout: number;
  classifierDropout: number;
  maxPositions: number;
}

export function parseDistilBertConfig(file: string, raw: unknown): DistilBertConfig {
  const c = parseConfig(file, schema, raw);
  if (c.dim % c.n_heads !== 0)
    throw new ModelConfigError(file, `dim ${c.dim} is not divisible by n_heads ${c.n_heads}`);
  const task = taskFrom(c.architectures);
  if (task !== 'sequence-classification' && task !== 'base') {
    throw new ModelConfigError(
      file,
      `architectures: only DistilBertModel and DistilBertForSequenceClassification are supported`,
    );
  }
  return {
    ...declaredFields(distilBertSpec, task),
    hiddenSize: c.dim,
    numLayers: c.n_layers,
    numHeads: c.n_heads,
    vocabSize: c.vocab_size,
    labels: task === 'sequence-classification' ? labelsFrom(c) : [],
    ffnSize: c.hidden_dim,
    act: c.activation,
    dropout: c.dropout,
    attentionDropout: c.attention_dropout,
    classifierDropout: c.seq_classif_dropout,
    maxPositions: c.max_position_embeddings,
  };
}
