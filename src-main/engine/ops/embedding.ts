/**
 * Embedding lookup whose gradient works on every backend. tf.gather's gradient needs UnsortedSegmentSum, which
 * the wasm backend lacks; the table's gradient here is a scatter-add of the output gradient rows (ScatterNd sums
 * duplicate indices), which wasm has.
 */
import * as tf from '@tensorflow/tfjs';

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
