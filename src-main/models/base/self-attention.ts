/**
 * One layer's self-attention from its projections' rows, for the graphs whose keys and values come straight from
 * the layer's own projections (BERT-style encoders, GPT-2).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { multiHeadAttention } from '../../engine/ops/index.ts';
import type { ForwardContext } from './layers.ts';
import { mergeHeads, scaledDotAttention, splitHeads } from './layers.ts';

export interface SelfAttentionShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  scale: number;
  causal: boolean;
  /** The attention probabilities' dropout rate (training only). */
  dropout: number;
}

/**
 * softmax(q kᵀ · scale + bias) v of q, k, v rows [batch·seq, heads·headDim], as context rows of the same shape.
 * Where no `attentionKV` hook (prefixes) and no generation cache changes the keys and values, the heads are read
 * where the projections wrote them (multiHeadAttention: on webgpu the fused kernels take the [batch, seq, heads,
 * headDim] layout, so no head transposes forward or backward); otherwise the heads are split for the hook and
 * merged after, with the same values.
 */
export function selfAttention(
  ctx: ForwardContext,
  layer: number,
  rows: { q: tf.Tensor2D; k: tf.Tensor2D; v: tf.Tensor2D },
  mask: tf.Tensor2D | null,
  s: SelfAttentionShape,
): tf.Tensor2D {
  const { batch, seq, heads, headDim } = s;
  if (!ctx.hooks.attentionKV && !ctx.cache) {
    const bias = ctx.attentionBias(mask, batch, seq, seq, s.causal);
    return multiHeadAttention(rows.q, rows.k, rows.v, s, {
      bias,
      scale: s.scale,
      dropoutMask: ctx.attentionDropout(s.dropout),
    });
  }
  const q = splitHeads(rows.q, batch, seq, heads, headDim);
  const { k, v, keyMask } = ctx.attentionKV(
    layer,
    splitHeads(rows.k, batch, seq, heads, headDim),
    splitHeads(rows.v, batch, seq, heads, headDim),
    mask,
  );
  const bias = ctx.attentionBias(keyMask, batch, seq, k.shape[2], s.causal);
  const context = scaledDotAttention(q, k, v, bias, {
    scale: s.scale,
    dropout: ctx.attentionDropout(s.dropout),
  });
  return mergeHeads(context);
}
