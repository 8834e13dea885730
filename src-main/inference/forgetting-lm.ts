/**
 * The base model's own language-model head on reference text: masked-LM loss at a fixed set of masked positions
 * (BERT-like bases), or next-token loss (GPT-like bases), with each scored token's top-1 prediction so the pass
 * after training can say how many it still predicts as the base did.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sparseSoftmaxCrossEntropy } from '../engine/ops/cross-entropy.ts';
import type { Model } from '../models/index.ts';
import type { Batch } from './forgetting.ts';

export interface LmPass {
  /** Mean negative log-likelihood per scored token (nats). */
  loss: number;
  tokens: number;
  /** Top-1 prediction per scored token, in scoring order. */
  top1: Int32Array;
  /** Share of tokens whose top-1 equals `reference`'s (1 when no reference is given). */
  agreement: number;
}

/** One token in MASK_EVERY is masked; the offset moves with the row so every position gets its turn. */
const MASK_EVERY = 7;

/**
 * The positions scored in row `r` of a batch and, for a masked LM, the ids with those positions masked. Special
 * tokens at the ends ([CLS]/[SEP], <s>/</s>) are never masked; a causal LM scores every next token.
 */
function plan(b: Batch, objective: 'masked-lm' | 'causal-lm', maskId: number) {
  const ids = Int32Array.from(b.ids);
  const targets: { flat: number; id: number }[] = [];
  for (let r = 0; r < b.rows; r++) {
    let n = 0;
    while (n < b.length && b.mask[r * b.length + n] === 1) n++;
    if (objective === 'causal-lm') {
      for (let t = 0; t + 1 < n; t++)
        targets.push({ flat: r * b.length + t, id: b.ids[r * b.length + t + 1] ?? 0 });
      continue;
    }
    for (let t = 1; t + 1 < n; t++) {
      if ((t + r) % MASK_EVERY !== 0) continue;
      const flat = r * b.length + t;
      targets.push({ flat, id: b.ids[flat] ?? 0 });
      ids[flat] = maskId;
    }
  }
  return { ids, targets };
}

export async function lmScores(
  model: Model,
  batches: readonly Batch[],
  objective: 'masked-lm' | 'causal-lm',
  maskId: number,
  reference: Int32Array | null,
): Promise<LmPass> {
  let nll = 0;
  const top1: number[] = [];
  for (const b of batches) {
    const { ids, targets } = plan(b, objective, maskId);
    if (targets.length === 0) continue;
    const [nllT, bestT] = tf.tidy(() => {
      const logits = model.forward({
        inputIds: tf.tensor2d(ids, [b.rows, b.length], 'int32'),
        attentionMask: tf.tensor2d(b.mask, [b.rows, b.length], 'int32'),
        tokenTypeIds: tf.tensor2d(b.typeIds, [b.rows, b.length], 'int32'),
      }).logits;
      const vocab = logits.shape[logits.rank - 1] as number;
      const rows = logits.reshape([-1, vocab]).gather(
        tf.tensor1d(
          targets.map((t) => t.flat),
          'int32',
        ),
      );
      const nllRows = sparseSoftmaxCrossEntropy(
        rows as tf.Tensor2D,
        tf.tensor1d(
          targets.map((t) => t.id),
          'int32',
        ),
      );
      return [nllRows, rows.argMax(1)];
    });
    // Read asynchronously: a synchronous read of a GPU tensor fails on the webgpu backend under Node.
    const [nlls, best] = await Promise.all([nllT.data(), bestT.data()]).finally(() =>
      tf.dispose([nllT, bestT]),
    );
    for (const v of nlls) nll += v;
    for (const v of best) top1.push(v);
  }
  const tokens = top1.length;
  const out = Int32Array.from(top1);
  let same = tokens;
  if (reference) same = out.filter((v, i) => v === reference[i]).length;
  return { loss: tokens ? nll / tokens : 0, tokens, top1: out, agreement: tokens ? same / tokens : 1 };
}
