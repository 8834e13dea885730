/**
 * Multi-head scaled dot-product attention as per-head 2-D matmuls. tf.js's batched (4-D) matMul runs on wasm in a
 * naive loop (~1.5 GFLOP/s at BERT-small's shape, measured with test/bench/profile-step.ts); splitting into B·H
 * plain [S, D] x [D, S] products sends every one of them, forward and backward, to XNNPACK. Heads are separated
 * with reshapes; the products of all heads form one differentiable op (stacked-matmul.ts) whose transposes are
 * whole-stack ones. On GPUs one batched matMul is better: {@link defaultAttentionMode}. On webgpu the whole op is
 * one fused kernel forward and two backward (engine/webgpu/attention.ts) unless STUDIO_FUSED_ATTENTION=0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedAttention, fusedAttentionApplies } from '../webgpu/attention.ts';
import type { AttentionDropout } from '../webgpu/attention.ts';
import { dropout } from './dropout.ts';
import { stackedMatMul } from './stacked-matmul.ts';

export type { AttentionDropout } from '../webgpu/attention.ts';

/** Shape of q/k/v as they come out of the projections: [batch * seq, heads * headDim]. */
export interface AttentionShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
}

export interface AttentionOptions {
  /** Additive bias broadcastable to [batch, heads, seq, kvSeq] (e.g. [batch, 1, 1, kvSeq] with -1e9 on padding). */
  bias?: tf.Tensor | null;
  /** Defaults to 1/sqrt(headDim). */
  scale?: number;
  /** Applied to the attention probabilities (dropout); sees [batch, heads, seq, kvSeq]. Keeps the composed form. */
  dropout?: (p: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Dropout of the attention probabilities as engine/ops/dropout.ts draws it (the mask of `call` from `seed`, over
   * [batch, heads, seq, kvSeq]): the fused kernels draw the same mask inline.
   */
  dropoutMask?: AttentionDropout | null;
  /** 'perHead' (2-D products, the wasm fast path) or 'batched' (one 4-D matMul, best on GPUs). */
  mode?: 'perHead' | 'batched';
}

/** Chooses per-head matmuls where 4-D matMul is slow (wasm, cpu) and the batched form elsewhere. */
export function defaultAttentionMode(): 'perHead' | 'batched' {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu' ? 'perHead' : 'batched';
}

/** Repeats each key/value head `rep` times along axis 1 (slices and one concat: a rank-5 tile has no gradient). */
function repeatHeads(t: tf.Tensor4D, rep: number): tf.Tensor4D {
  if (rep === 1) return t;
  const parts = tf.split(t, t.shape[1], 1);
  return tf.concat(
    parts.flatMap((part) => Array<tf.Tensor>(rep).fill(part)),
    1,
  ) as tf.Tensor4D;
}

/**
 * softmax(q kᵀ · scale + bias) v on heads already split: q [batch, heads, seq, headDim], k and v [batch, kvHeads,
 * kvSeq, headDim] where kvHeads divides heads (grouped-query attention: query head h reads key/value head
 * floor(h / (heads / kvHeads))). Returns [batch, heads, seq, headDim]. Per-head mode reads the shared key/value
 * heads directly instead of materialising the repeats.
 */
export function attentionHeads(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  opts: AttentionOptions = {},
): tf.Tensor4D {
  const fused = {
    bias: opts.bias ?? null,
    scale: opts.scale ?? 1 / Math.sqrt(q.shape[3]),
    dropout: opts.dropoutMask ?? null,
  };
  if (!opts.dropout && fusedAttentionApplies(q, k, v, fused)) return fusedAttention(q, k, v, fused);
  return tf.tidy(() => {
    const [batch, heads, seq, headDim] = q.shape;
    const [, kvHeads, kvSeq] = k.shape;
    if (heads % kvHeads !== 0) throw new Error(`attention: ${heads} query heads, ${kvHeads} key/value heads`);
    const rep = heads / kvHeads;
    const scale = opts.scale ?? 1 / Math.sqrt(headDim);
    const mode = opts.mode ?? defaultAttentionMode();
    const n = batch * heads;
    // Query head i = b·heads + h reads key/value head b·kvHeads + floor(h / rep).
    const kvOf = (i: number) => Math.floor(i / heads) * kvHeads + Math.floor((i % heads) / rep);
    let scores: tf.Tensor4D;
    if (mode === 'batched') {
      scores = tf.matMul(q, repeatHeads(k, rep), false, true);
    } else {
      const ks = k.reshape([batch * kvHeads, kvSeq, headDim]) as tf.Tensor3D;
      scores = stackedMatMul(q.reshape([n, seq, headDim]), ks, true, kvOf).reshape([
        batch,
        heads,
        seq,
        kvSeq,
      ]);
    }
    let logits: tf.Tensor = scores.mul(scale);
    if (opts.bias) logits = logits.add(opts.bias);
    let probs = tf.softmax(logits, -1) as tf.Tensor4D;
    if (opts.dropout) probs = opts.dropout(probs);
    const mask = opts.dropoutMask;
    if (mask && mask.rate > 0) probs = dropout(probs, mask.rate, mask.seed, mask.call) as tf.Tensor4D;
    if (mode === 'batched') return tf.matMul(probs, repeatHeads(v, rep));
    const vs = v.reshape([batch * kvHeads, kvSeq, headDim]) as tf.Tensor3D;
    return stackedMatMul(probs.reshape([n, seq, kvSeq]), vs, false, kvOf).reshape([
      batch,
      heads,
      seq,
      headDim,
    ]);
  });
}

/**
 * softmax(q kᵀ · scale + bias) v for q, k, v of shape [batch * seq, heads * headDim] (key/value may have their own
 * length: pass k/v with `kvSeq` rows per batch). Returns [batch * seq, heads * headDim].
 */
export function multiHeadAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  shape: AttentionShape,
  opts: AttentionOptions = {},
  kvSeq = shape.seq,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { batch, seq, heads, headDim } = shape;
    // On webgpu the fused kernels read the heads where the rows hold them ([batch, seq, heads, headDim]): no
    // transposes into and out of the per-head layout, forward or backward.
    const rowsOf = (x: tf.Tensor2D, len: number) => x.reshape([batch, len, heads, headDim]) as tf.Tensor4D;
    const fused = {
      bias: opts.bias ?? null,
      scale: opts.scale ?? 1 / Math.sqrt(headDim),
      dropout: opts.dropoutMask ?? null,
      layout: 'bshd' as const,
    };
    const [q4, k4, v4] = [rowsOf(q, seq), rowsOf(k, kvSeq), rowsOf(v, kvSeq)];
    if (!opts.dropout && fusedAttentionApplies(q4, k4, v4, fused))
      return fusedAttention(q4, k4, v4, fused).reshape([batch * seq, heads * headDim]);
    const split = (x: tf.Tensor2D, len: number) =>
      x.reshape([batch, len, heads, headDim]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
    const context = attentionHeads(split(q, seq), split(k, kvSeq), split(v, kvSeq), opts);
    return context.transpose([0, 2, 1, 3]).reshape([batch * seq, heads * headDim]);
  });
}

/** Additive key-padding bias [batch, 1, 1, keys] from a 0/1 attention mask [batch, keys]. */
export function paddingBias(mask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, keys] = mask.shape;
    return tf.sub(1, mask.cast('float32')).mul(-1e9).reshape([b, 1, 1, keys]);
  });
}
