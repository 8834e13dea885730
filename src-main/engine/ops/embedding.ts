/**
 * Embedding lookups with gradients that work, and work fast, on every backend. tf.gather's gradient needs
 * UnsortedSegmentSum: the wasm backend lacks it, so there the table's gradient is a scatter-add of the output
 * gradient rows (ScatterNd sums duplicate indices). On webgpu tf.js's UnsortedSegmentSum adds with atomics, and
 * rows many tokens share (BERT's token types, padding) serialise: 164 ms of a 290 ms BERT-base step on an H200
 * (test/bench/RESULTS.md). There the gradient is one-hot(ids)ᵀ · dy, a matrix product, in blocks of table rows.
 */
import * as tf from '@tensorflow/tfjs-core';

const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [table, ids, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([ids]);
  const value = tf.gather(table, ids);
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [savedIds] = saved as [tf.Tensor];
    const [rows, dim] = table.shape as [number, number];
    const flatIds = savedIds.reshape([-1, 1]).cast('int32');
    const dTable = tf.scatterND(flatIds, dy.reshape([-1, dim]), [rows, dim]);
    return [dTable, tf.zerosLike(savedIds)];
  };
  return { value, gradFunc };
});

export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return lookup(table, ids.cast('int32')) as tf.Tensor;
}

/** One-hot blocks of at most this many elements (tokens x table rows): 128 MB of float32. */
const ONE_HOT_BLOCK = 1 << 25;

/** Σ over tokens of one-hot(ids)ᵀ · dy, in blocks of table rows of at most `blockElements` one-hot values. */
function oneHotGradient(
  ids: tf.Tensor,
  dy: tf.Tensor,
  rows: number,
  dim: number,
  blockElements: number,
): tf.Tensor {
  return tf.tidy(() => {
    const flatIds = ids.reshape([-1]) as tf.Tensor1D;
    const d2 = dy.reshape([-1, dim]) as tf.Tensor2D;
    const block = Math.max(1, Math.min(rows, Math.floor(blockElements / Math.max(1, flatIds.size))));
    const parts: tf.Tensor[] = [];
    for (let first = 0; first < rows; first += block) {
      const n = Math.min(block, rows - first);
      // tf.oneHot leaves a row of zeros for an index outside [0, n): tokens of other blocks add nothing.
      const hot = tf
        .oneHot(first === 0 ? flatIds : flatIds.sub(tf.scalar(first, 'int32')), n)
        .cast('float32') as tf.Tensor2D;
      parts.push(tf.matMul(hot, d2, true, false));
    }
    return parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 0);
  });
}

/**
 * Embedding lookup whose table gradient is a product of one-hot blocks (GPUs: no atomics, deterministic); blocks
 * hold at most `blockElements` one-hot values (tokens x table rows).
 */
export function embeddingLookupByProducts(
  table: tf.Tensor,
  ids: tf.Tensor,
  blockElements = ONE_HOT_BLOCK,
): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, i, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [rows, dim] = t.shape as [number, number];
        const savedIds = saved[0] as tf.Tensor;
        return [oneHotGradient(savedIds, dy, rows, dim, blockElements), tf.zerosLike(savedIds)];
      },
    };
  });
  return f(table, ids.cast('int32')) as tf.Tensor;
}
