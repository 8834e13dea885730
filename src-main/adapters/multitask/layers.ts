/**
 * The trained parts of a multi-task adapter and their names. Every branch starts at zero output (up-projections
 * and gate projections are zero), so a fresh multi-task adapter is the base model with one head per task.
 */
import * as tf from '@tensorflow/tfjs-core';
import { normal, trainableVar } from '../base/init.ts';
import type { BottleneckModule } from '../bottleneck/layer.ts';

export type Part = 'shared' | `task.${number}`;

export const moduleNames = (part: Part, layer: number, kind: string) => {
  const p = `${part}.adapters.${layer}.${kind}`;
  return {
    down: `${p}.down.weight`,
    downBias: `${p}.down.bias`,
    up: `${p}.up.weight`,
    upBias: `${p}.up.bias`,
  };
};

/** The affinity variant: task embeddings [tasks, k] and, per layer, a projection [k, hidden] to a gate. */
export const EMBEDDING_NAME = 'affinity.embedding';
export const gateName = (layer: number) => `affinity.gate.${layer}.weight`;

/** A bottleneck module with Houlsby's init: small normal down-projection, zero up-projection. */
export function initModule(hidden: number, size: number, seed: number, scope: string): BottleneckModule {
  return {
    down: trainableVar(normal([hidden, size], 0.01, seed), `${scope}down`),
    downBias: trainableVar(tf.zeros([size]), `${scope}downBias`),
    up: trainableVar(tf.zeros([size, hidden]), `${scope}up`),
    upBias: trainableVar(tf.zeros([hidden]), `${scope}upBias`),
  };
}

/**
 * The attention gate of one task at one layer: 1 + tanh(e_t · G_l), per hidden channel. Tasks whose embeddings
 * are close get close gates (they share how attention is used); distant ones diverge. 1 at init (G_l = 0).
 */
export function attentionGate(embedding: tf.Tensor2D, gate: tf.Tensor2D, task: number): tf.Tensor2D {
  const e = embedding.slice([task, 0], [1, embedding.shape[1]]);
  return tf.tanh(e.matMul(gate)).add(1) as tf.Tensor2D;
}

/** Cosine similarity between task embeddings: how much the affinity variant lets two tasks share. */
export async function taskAffinity(embedding: tf.Tensor2D): Promise<number[][]> {
  const rows = (await embedding.array()) as number[][];
  const norm = rows.map((r) => Math.hypot(...r) || 1);
  return rows.map((a, i) =>
    rows.map(
      (b, j) =>
        a.reduce((s, x, k) => s + x * (b[k] as number), 0) / (norm[i] as number) / (norm[j] as number),
    ),
  );
}
