/**
 * The start of every text graph's forward pass (BERT, RoBERTa, DistilBERT, GPT-2, Llama), written once: input
 * checks, the attention mask, the token embeddings and the `embeddings` hook (prompt tuning prepends virtual tokens
 * and extends the mask there, before positions are added, as PEFT does). What differs between architectures (the
 * embedding table's name, how positions are numbered and added) is a parameter or stays in the graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelInputError } from './errors.ts';
import type { ForwardContext } from './layers.ts';
import type { ModelInputs } from './types.ts';

export interface TextPrologue {
  /** input_ids, [batch, len] int32. */
  ids: tf.Tensor2D;
  batch: number;
  /** Positions the ids cover. */
  len: number;
  /** Positions after the hook: `len` plus any virtual tokens it prepended. */
  seq: number;
  /** 0/1 float32 [batch, seq]: the attention mask (all ones when none was given), extended by the hook. */
  mask: tf.Tensor2D;
  /** Token embeddings [batch, seq, hidden] as the hook left them. */
  words: tf.Tensor3D;
}

/** Embeds `inputs.inputIds` with the table `wordEmbeddings` and runs the `embeddings` hook. */
export function textPrologue(
  ctx: ForwardContext,
  inputs: ModelInputs,
  modelType: string,
  wordEmbeddings: string,
): TextPrologue {
  const ids = inputs.inputIds;
  if (!ids) throw new ModelInputError(`${modelType} needs input_ids`);
  const [batch, len] = ids.shape;
  let mask = (inputs.attentionMask ?? tf.ones([batch, len], 'int32')).cast('float32') as tf.Tensor2D;
  let words = ctx.embed(wordEmbeddings, ids) as tf.Tensor3D;
  // A cached generation step: the virtual tokens were prepended at prefill and sit in the cache.
  if (ctx.hooks.embeddings && !ctx.pastCached) ({ h: words, mask } = ctx.hooks.embeddings(words, mask));
  return { ids, batch, len, seq: words.shape[1], mask, words };
}

/**
 * Absolute positions offset..offset+seq-1 for every row, [batch, seq] int32 (virtual tokens are numbered first;
 * `offset` is a generation cache's positions).
 */
export const positionIds = (batch: number, seq: number, offset = 0): tf.Tensor2D =>
  tf
    .range(offset, offset + seq, 1, 'int32')
    .reshape([1, seq])
    .tile([batch, 1]) as tf.Tensor2D;
