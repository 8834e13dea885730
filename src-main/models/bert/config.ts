import { z } from 'zod';
import { activationSchema, id2labelSchema, labelsFrom, parseConfig, taskFrom } from '../base/config-utils.ts';
import { ModelConfigError } from '../base/errors.ts';
import { declaredFields } from '../base/spec.ts';
import { architectureOf } from '../architectures.ts';
import type { CommonConfig } from '../base/types.ts';

const schema = z.object({
  model_type: z.enum(['bert', 'roberta', 'xlm-roberta']),
  architectures: z.array(z.string()).nullish(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  hidden_act: activationSchema('gelu'),
  hidden_dropout_prob: z.number().min(0).max(1).default(0.1),
  attention_probs_dropout_prob: z.number().min(0).max(1).default(0.1),
  classifier_dropout: z.number().min(0).max(1).nullish(),
  max_position_embeddings: z.number().int().positive(),
  type_vocab_size: z.number().int().min(0).default(2),
  layer_norm_eps: z.number().positive().default(1e-12),
  pad_token_id: z.number().int().nullish(),
  position_embedding_type: z.string().default('absolute'),
  is_decoder: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
  id2label: id2labelSchema,
  num_labels: z.number().int().optional(),
});

/** BERT and RoBERTa share this encoder; RoBERTa's positions start after pad_token_id. */
export interface BertConfig extends CommonConfig {
  prefix: 'bert' | 'roberta';
  intermediateSize: number;
  hiddenAct: string;
  hiddenDropout: number;
  attentionDropout: number;
  classifierDropout: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  /** Masked-LM decoder tied to the word embeddings (transformers' default). */
  tied: boolean;
}

export function parseBertConfig(file: string, raw: unknown): BertConfig {
  const c = parseConfig(file, schema, raw);
  if (c.position_embedding_type !== 'absolute') {
    throw new ModelConfigError(
      file,
      `position_embedding_type "${c.position_embedding_type}" is not supported (only "absolute")`,
    );
  }
  if (c.is_decoder) throw new ModelConfigError(file, 'is_decoder: BERT as a decoder is not supported');
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new ModelConfigError(
      file,
      `hidden_size ${c.hidden_size} is not divisible by num_attention_heads ${c.num_attention_heads}`,
    );
  }
  const roberta = c.model_type !== 'bert';
  const task = taskFrom(c.architectures);
  return {
    ...declaredFields(architectureOf(c.model_type), task),
    prefix: roberta ? 'roberta' : 'bert',
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    vocabSize: c.vocab_size,
    labels: task === 'sequence-classification' ? labelsFrom(c) : [],
    intermediateSize: c.intermediate_size,
    hiddenAct: c.hidden_act,
    hiddenDropout: c.hidden_dropout_prob,
    attentionDropout: c.attention_probs_dropout_prob,
    classifierDropout: c.classifier_dropout ?? c.hidden_dropout_prob,
    maxPositions: c.max_position_embeddings,
    typeVocabSize: c.type_vocab_size,
    layerNormEps: c.layer_norm_eps,
    padTokenId: c.pad_token_id ?? (roberta ? 1 : 0),
    tied: c.tie_word_embeddings,
  };
}
