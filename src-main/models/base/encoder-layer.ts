/**
 * The post-LayerNorm transformer encoder layer of BERT, RoBERTa and DistilBERT (they differ only in names):
 * attention -> dense -> [adapter] -> add & norm -> FFN -> [adapter] -> add & norm.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from './layers.ts';
import { selfAttention } from './self-attention.ts';

export interface EncoderLayerNames {
  query: string;
  key: string;
  value: string;
  attnOut: string;
  attnNorm: string;
  ffnIn: string;
  ffnOut: string;
  ffnNorm: string;
}

export interface EncoderShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
  eps: number;
  act: string;
  hiddenDropout: number;
  attentionDropout: number;
}

export function encoderLayer(
  ctx: ForwardContext,
  layer: number,
  names: EncoderLayerNames,
  x: tf.Tensor2D,
  mask: tf.Tensor2D,
  s: EncoderShape,
): tf.Tensor2D {
  const { batch, seq, heads, headDim } = s;
  const rows = {
    q: ctx.linear(names.query, x),
    k: ctx.linear(names.key, x),
    v: ctx.linear(names.value, x),
  };
  const context = selfAttention(ctx, layer, rows, mask, {
    batch,
    seq,
    heads,
    headDim,
    scale: 1 / Math.sqrt(headDim),
    causal: false,
    dropout: s.attentionDropout,
  });
  const attn = ctx.residualLinear(layer, 'attention', names.attnOut, context, x, s.hiddenDropout);
  const h = ctx.layerNorm(names.attnNorm, attn, s.eps) as tf.Tensor2D;
  const inter = ctx.linearAct(names.ffnIn, h, s.act);
  const out = ctx.residualLinear(layer, 'ffn', names.ffnOut, inter, h, s.hiddenDropout);
  return ctx.layerNorm(names.ffnNorm, out, s.eps) as tf.Tensor2D;
}

/** An encoder stack's settings: its size, and each layer's module names. */
export interface EncoderStack extends Omit<EncoderShape, 'batch' | 'seq' | 'headDim'> {
  layers: number;
  hiddenSize: number;
  names: (layer: number) => EncoderLayerNames;
}

/** Every encoder layer in turn on [batch * seq, hidden] rows. */
export function encoderStack(
  ctx: ForwardContext,
  x: tf.Tensor2D,
  mask: tf.Tensor2D,
  batch: number,
  seq: number,
  stack: EncoderStack,
): tf.Tensor2D {
  const { layers, hiddenSize, names, ...rest } = stack;
  const shape: EncoderShape = { ...rest, batch, seq, headDim: hiddenSize / rest.heads };
  let h = x;
  for (let i = 0; i < layers; i++)
    h = ctx.layerOutput(i, encoderLayer(ctx, i, names(i), h, mask, shape), mask, batch, seq);
  return h;
}

/** The first token's hidden state of each sequence: [batch, seq, hidden] -> [batch, hidden]. */
export function firstToken(h: tf.Tensor3D): tf.Tensor2D {
  const [b, , d] = h.shape;
  return h.slice([0, 0, 0], [b, 1, d]).reshape([b, d]);
}
