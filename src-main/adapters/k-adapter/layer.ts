/**
 * One knowledge adapter's math (K-Adapter's adapter layers, after the paper's code): adapter layer k reads the frozen
 * encoder's hidden state at its base layer plus the previous adapter layer's output, projects it down to the
 * adapter width, runs a few post-LN transformer layers, projects back up and adds its input (skip connection). The
 * last adapter layer's output is the adapter's knowledge feature, [rows, hidden] like the encoder's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu, layerNorm, linear } from '../../engine/ops/index.ts';
import { attentionBias, mergeHeads, scaledDotAttention, splitHeads } from '../../models/base/layers.ts';
import { normal, trainableVar } from '../base/init.ts';

/** The shape of one knowledge adapter. */
export interface KnowledgeShape {
  hidden: number;
  /** The encoder layers read, one adapter layer each, in order. */
  layers: readonly number[];
  width: number;
  blocks: number;
  heads: number;
}

const LINEARS = ['query', 'key', 'value', 'attn_out', 'ffn_in', 'ffn_out'] as const;
const NORMS = ['attn_norm', 'ffn_norm'] as const;

/** Every weight of one knowledge adapter: save name -> [shape, init] (linears N(0, 0.02), norms 1 and 0). */
export function knowledgeParamShapes(
  s: KnowledgeShape,
): Map<string, { shape: number[]; init: 'normal' | 'one' | 'zero' }> {
  const out = new Map<string, { shape: number[]; init: 'normal' | 'one' | 'zero' }>();
  const lin = (name: string, i: number, o: number) => {
    out.set(`${name}.weight`, { shape: [i, o], init: 'normal' });
    out.set(`${name}.bias`, { shape: [o], init: 'zero' });
  };
  const ffn = 4 * s.width;
  s.layers.forEach((_l, k) => {
    const p = `k_adapter.layer.${k}`;
    lin(`${p}.down`, s.hidden, s.width);
    for (let j = 0; j < s.blocks; j++) {
      const b = `${p}.block.${j}`;
      for (const n of LINEARS)
        lin(`${b}.${n}`, n === 'ffn_out' ? ffn : s.width, n === 'ffn_in' ? ffn : s.width);
      for (const n of NORMS) {
        out.set(`${b}.${n}.weight`, { shape: [s.width], init: 'one' });
        out.set(`${b}.${n}.bias`, { shape: [s.width], init: 'zero' });
      }
    }
    lin(`${p}.up`, s.width, s.hidden);
  });
  return out;
}

/** Fresh weights for a knowledge adapter, seeded. */
export function initKnowledge(s: KnowledgeShape, seed: number, scope: string): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  let i = 0;
  for (const [name, { shape, init }] of knowledgeParamShapes(s)) {
    const value =
      init === 'normal' ? normal(shape, 0.02, seed + i++) : init === 'one' ? tf.ones(shape) : tf.zeros(shape);
    out.set(name, trainableVar(value, `${scope}${name}`));
  }
  return out;
}

type Weights = ReadonlyMap<string, tf.Tensor>;
const w = (weights: Weights, name: string): tf.Tensor => {
  const t = weights.get(name);
  if (!t) throw new Error(`k-adapter weight ${name} is missing`);
  return t;
};
const dense = (weights: Weights, name: string, x: tf.Tensor2D) =>
  linear(x, w(weights, `${name}.weight`), w(weights, `${name}.bias`)) as tf.Tensor2D;

/** One post-LN transformer layer of the adapter on [batch * seq, width]. */
function block(
  weights: Weights,
  b: string,
  x: tf.Tensor2D,
  bias: tf.Tensor | null,
  s: KnowledgeShape,
  batch: number,
  seq: number,
): tf.Tensor2D {
  const headDim = s.width / s.heads;
  const split = (name: string) => splitHeads(dense(weights, `${b}.${name}`, x), batch, seq, s.heads, headDim);
  const context = scaledDotAttention(split('query'), split('key'), split('value'), bias, {
    scale: 1 / Math.sqrt(headDim),
  });
  const attn = dense(weights, `${b}.attn_out`, mergeHeads(context));
  const norm = (name: string, t: tf.Tensor) =>
    layerNorm(t, w(weights, `${b}.${name}.weight`), w(weights, `${b}.${name}.bias`), 1e-5) as tf.Tensor2D;
  const h = norm('attn_norm', attn.add(x));
  const out = dense(weights, `${b}.ffn_out`, gelu(dense(weights, `${b}.ffn_in`, h), 'erf') as tf.Tensor2D);
  return norm('ffn_norm', out.add(h));
}

/** One adapter layer's output and the part of it the adapter computed (its up-projection, without the skip). */
export interface AdapterLayerOut {
  out: tf.Tensor2D;
  up: tf.Tensor2D;
}

/**
 * Adapter layer k on the encoder's hidden state `base` [batch * seq, hidden] and the previous adapter layer's
 * output (null for the first); `mask` is the pass's 0/1 mask [batch, seq].
 */
export function adapterLayer(
  weights: Weights,
  s: KnowledgeShape,
  k: number,
  base: tf.Tensor2D,
  previous: tf.Tensor2D | null,
  mask: tf.Tensor2D,
  batch: number,
  seq: number,
): AdapterLayerOut {
  const p = `k_adapter.layer.${k}`;
  const x = previous ? (base.add(previous) as tf.Tensor2D) : base;
  const bias = attentionBias(mask, batch, seq, seq, false);
  let h = dense(weights, `${p}.down`, x);
  for (let j = 0; j < s.blocks; j++) h = block(weights, `${p}.block.${j}`, h, bias, s, batch, seq);
  const up = dense(weights, `${p}.up`, h);
  return { out: x.add(up) as tf.Tensor2D, up };
}
