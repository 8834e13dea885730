/**
 * What a mixed-adapter batch (serving/mixed-hooks.ts) needs to apply an adapter to some rows of a batch while
 * other rows carry other adapters: the method's tensors in a plain form, without its hooks. A method that sets
 * `rowwise` on its instance can share a forward pass with any other such adapter (LoRA, bottleneck, IA3, prompt
 * tuning); the others (prefix tuning's per-layer keys, DoRA's norms, full fine-tuning) are served alone.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { HeadCopy } from './head.ts';

export interface RowwiseLoraPair {
  /** [in, r] */
  a: tf.Tensor;
  /** [r, out] */
  b: tf.Tensor;
}

export interface RowwiseBottleneckModule {
  down: tf.Tensor;
  downBias: tf.Tensor;
  up: tf.Tensor;
  upBias: tf.Tensor;
}

export type RowwiseParts = { head: HeadCopy } & (
  | { kind: 'lora'; pairs: ReadonlyMap<string, RowwiseLoraPair>; scale: number }
  | { kind: 'ia3'; scales: ReadonlyMap<string, { v: tf.Tensor; feedforward: boolean }> }
  | {
      kind: 'bottleneck';
      /** Keyed `${layer}/${'attention' | 'ffn'}`. */
      modules: ReadonlyMap<string, RowwiseBottleneckModule>;
      placement: 'sequential' | 'parallel';
      activation: string;
      scaling: number;
    }
  | { kind: 'prompt'; prompt: tf.Tensor }
);
