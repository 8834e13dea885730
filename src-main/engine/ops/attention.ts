/**
 * Multi-head scaled dot-product attention as per-head 2-D matmuls. tf.js's batched (4-D) matMul runs on wasm in a
 * naive loop; splitting into B·H plain [S, D] x [D, S] products sends every one of them, forward and backward, to
 * XNNPACK. Heads are separated with one 4-D transpose and an unstack (cheap with engine/wasm-kernels.ts); K is
 * transposed once for all heads, so no per-head transposes are needed forward. Measured on the bench shape
 * (test/bench/RESULTS.md): per-head is several times faster than the batched form on wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { matMul } from './matmul.ts';

/** Shape of q/k/v as they come out of the projections: [batch * seq, heads * headDim]. */
export interface AttentionShape {
  batch: number;
  seq: number;
  heads: number;
  headDim: number;
}

export interface AttentionOptions {
  /** Additive bias broadcastable to [batch, heads, seq, seq] (e.g. [batch, 1, 1, seq] with -1e9 on padding). */
  bias?: tf.Tensor | null;
  /** Defaults to 1/sqrt(headDim). */
  scale?: number;
  /** Applied to the attention probabilities (dropout); sees [batch, heads, seq, seq]. */
  dropout?: (p: tf.Tensor4D) => tf.Tensor4D;
  /** 'perHead' (2-D products, the wasm fast path) or 'batched' (one 4-D matMul, best on GPUs). */
  mode?: 'perHead' | 'batched';
}

/** Chooses per-head matmuls where 4-D matMul is slow (wasm, cpu) and the batched form elsewhere. */
export function defaultAttentionMode(): 'perHead' | 'batched' {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu' ? 'perHead' : 'batched';
}

/** [B*S, H*D] -> [B, H, S, D] */
function heads4d(x: tf.Tensor2D, s: AttentionShape): tf.Tensor4D {
  return x.reshape([s.batch, s.seq, s.heads, s.headDim]).transpose([0, 2, 1, 3]);
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
    const scale = opts.scale ?? 1 / Math.sqrt(headDim);
    const mode = opts.mode ?? defaultAttentionMode();
    const kvShape = { ...shape, seq: kvSeq };
    const q4 = heads4d(q, shape);
    const v4 = heads4d(v, kvShape);
    // Kᵀ per head straight from one transpose: [B, H, D, Skv].
    const kT4 = k.reshape([batch, kvSeq, heads, headDim]).transpose([0, 2, 3, 1]);
    const n = batch * heads;
    let scores: tf.Tensor4D;
    if (mode === 'batched') {
      scores = tf.matMul(q4, kT4);
    } else {
      const qs = tf.unstack(q4.reshape([n, seq, headDim]));
      const ks = tf.unstack(kT4.reshape([n, headDim, kvSeq]));
      scores = tf
        .stack(qs.map((qi, i) => matMul(qi as tf.Tensor2D, ks[i] as tf.Tensor2D)))
        .reshape([batch, heads, seq, kvSeq]);
    }
    let logits: tf.Tensor = scores.mul(scale);
    if (opts.bias) logits = logits.add(opts.bias);
    let probs = tf.softmax(logits, -1) as tf.Tensor4D;
    if (opts.dropout) probs = opts.dropout(probs);
    let context: tf.Tensor4D;
    if (mode === 'batched') {
      context = tf.matMul(probs, v4);
    } else {
      const ps = tf.unstack(probs.reshape([n, seq, kvSeq]));
      const vs = tf.unstack(v4.reshape([n, kvSeq, headDim]));
      context = tf
        .stack(ps.map((pi, i) => matMul(pi as tf.Tensor2D, vs[i] as tf.Tensor2D)))
        .reshape([batch, heads, seq, headDim]);
    }
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
