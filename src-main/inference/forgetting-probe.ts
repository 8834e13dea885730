/**
 * A linear probe for a labelled reference, fitted on the base model's features: its predictions stand for "what
 * the base model knew" about that task. Applied unchanged to the features after training, it shows how far the
 * representation moved: loss, accuracy and how many rows keep the base's predicted label.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Probe {
  mean: Float32Array;
  scale: Float32Array;
  w: tf.Tensor2D;
  b: tf.Tensor1D;
  dispose(): void;
}

const STEPS = 300;
const LR = 0.5;
// Enough weight decay that a separable reference does not drive the loss to 0, where no change could show.
const L2 = 1e-2;

/** Features standardized with the base's statistics (the same numbers for the after pass). */
function standardize(rows: readonly Float32Array[], mean: Float32Array, scale: Float32Array): tf.Tensor2D {
  const h = mean.length;
  const flat = new Float32Array(rows.length * h);
  rows.forEach((r, i) => {
    for (let j = 0; j < h; j++) flat[i * h + j] = ((r[j] ?? 0) - (mean[j] ?? 0)) / (scale[j] ?? 1);
  });
  return tf.tensor2d(flat, [rows.length, h]);
}

/** Softmax regression by full-batch gradient descent from zeros: deterministic, so the same base gives the same probe. */
export function fitProbe(rows: readonly Float32Array[], labels: readonly number[], classes: number): Probe {
  const h = rows[0]?.length ?? 0;
  const mean = new Float32Array(h);
  const scale = new Float32Array(h).fill(1);
  for (const r of rows) for (let j = 0; j < h; j++) mean[j] = (mean[j] ?? 0) + (r[j] ?? 0) / rows.length;
  for (let j = 0; j < h; j++) {
    let v = 0;
    for (const r of rows) v += ((r[j] ?? 0) - (mean[j] ?? 0)) ** 2 / rows.length;
    scale[j] = Math.sqrt(v) || 1;
  }
  const x = standardize(rows, mean, scale);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes));
  const w = tf.tidy(() => tf.variable(tf.zeros([h, classes]), true));
  const b = tf.tidy(() => tf.variable(tf.zeros([classes]), true));
  // Plain gradient descent on standardized features: no optimizer state to leak, and only the probe's weights.
  for (let s = 0; s < STEPS; s++)
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, x.matMul(w).add(b)).add(w.square().sum().mul(L2)) as tf.Scalar,
        [w, b],
      );
      w.assign(w.sub((grads[w.name] as tf.Tensor).mul(LR)));
      b.assign(b.sub((grads[b.name] as tf.Tensor).mul(LR)));
    });
  const probe = { mean, scale, w: w.clone() as tf.Tensor2D, b: b.clone() as tf.Tensor1D };
  tf.dispose([x, y, w, b]);
  return { ...probe, dispose: () => tf.dispose([probe.w, probe.b]) };
}

/** The probe's mean cross-entropy, accuracy and predicted label per row. */
export async function probeScores(probe: Probe, rows: readonly Float32Array[], labels: readonly number[]) {
  const [lpT, predT] = tf.tidy(() => {
    const logits = standardize(rows, probe.mean, probe.scale).matMul(probe.w).add(probe.b);
    const logp = tf.logSoftmax(logits);
    const classes = probe.b.shape[0];
    const picked = logp.mul(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes)).sum(1);
    return [picked, logits.argMax(1)];
  });
  // Read asynchronously: a synchronous read of a GPU tensor fails on the webgpu backend under Node.
  const [lp, pred] = await Promise.all([lpT.data(), predT.data()]).finally(() => tf.dispose([lpT, predT]));
  const predicted = Array.from(pred);
  return {
    loss: -Array.from(lp).reduce((a, v) => a + v, 0) / rows.length,
    accuracy: predicted.filter((p, i) => p === labels[i]).length / rows.length,
    predicted,
  };
}
