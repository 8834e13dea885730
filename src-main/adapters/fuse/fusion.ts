/**
 * One AdapterFusion layer, after AdapterHub's BertFusion with its default ("dynamic") settings: query and key are
 * linear maps with bias, initialised N(0, 0.02) with zero bias; the value is a linear map without bias initialised
 * to the identity (1e-6 off the diagonal), applied before the softmax-weighted sum; no temperature; the residual
 * (the sub-layer's output) is added after. With query and key near zero the attention is near uniform, so an
 * untrained fusion starts as (almost exactly) the average of its adapters' outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '../../engine/ops/index.ts';
import { normal, trainableVar } from '../base/init.ts';

export interface FusionLayer {
  query: tf.Variable;
  queryBias: tf.Variable;
  key: tf.Variable;
  keyBias: tf.Variable;
  value: tf.Variable;
}

export const fusionNames = (layer: number, kind: string) => {
  const p = `fusion.${layer}.${kind}`;
  return {
    query: `${p}.query.weight`,
    queryBias: `${p}.query.bias`,
    key: `${p}.key.weight`,
    keyBias: `${p}.key.bias`,
    value: `${p}.value.weight`,
  } satisfies Record<keyof FusionLayer, string>;
};

/** A fresh fusion layer for hidden size `h` (weights [in, out] like every linear here). */
export function initFusion(h: number, seed: number, scope: string): FusionLayer {
  return {
    query: trainableVar(normal([h, h], 0.02, seed), `${scope}.query`),
    queryBias: trainableVar(tf.zeros([h]), `${scope}.query_b`),
    key: trainableVar(normal([h, h], 0.02, seed + 1), `${scope}.key`),
    keyBias: trainableVar(tf.zeros([h]), `${scope}.key_b`),
    value: trainableVar(
      tf.tidy(() =>
        tf
          .eye(h)
          .mul(1 - 1e-6)
          .add(1e-6),
      ),
      `${scope}.value`,
    ),
  };
}

/**
 * `out` [rows, h] is the query and the residual; `ups` are the adapters' outputs minus `out` (what each adds), each
 * [rows, h]. Returns out + sum_n softmax(q . k_n) v_n.
 */
export function fuse(f: FusionLayer, out: tf.Tensor2D, ups: tf.Tensor2D[]): tf.Tensor2D {
  const [rows, h] = out.shape;
  const n = ups.length;
  const stacked = tf.stack(ups, 1).reshape([rows * n, h]) as tf.Tensor2D;
  const q = linear(out, f.query, f.queryBias).reshape([rows, 1, h]);
  const k = linear(stacked, f.key, f.keyBias).reshape([rows, n, h]);
  const v = linear(stacked, f.value).reshape([rows, n, h]);
  const probs = tf.softmax(q.mul(k).sum(2)); // [rows, N]
  const context = probs.reshape([rows, n, 1]).mul(v).sum(1) as tf.Tensor2D;
  return out.add(context);
}

export const fusionParams = (f: FusionLayer): tf.Variable[] => [
  f.query,
  f.queryBias,
  f.key,
  f.keyBias,
  f.value,
];
