/**
 * How a router combines its adapters' answers. The adapters answer different questions (spam/ham, female/male,
 * question/statement), so the router answers over the union of their labels: each adapter's probabilities are
 * placed in its labels' columns and weighed by the router (soft), or only the picked adapter's are kept (hard).
 * A label two adapters share is one column (the same answer). The result is returned as log-probabilities, so a
 * caller's softmax gives the mixture back exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeSource } from '../../../src-shared/compose.ts';
import { UserError } from '../../errors.ts';

/** Each source's labels, as its saved config records them. */
export function sourceLabels(recipe: readonly ComposeSource[]): string[][] {
  return recipe.map((s, i) => {
    const l = s.config.labels;
    if (s.config.task !== 'classification' || !Array.isArray(l) || l.length === 0)
      throw new UserError(`router: source ${i} (${s.name ?? s.method}) is not a classifier with labels`);
    return l.map(String);
  });
}

/** The union of the sources' labels, in order of first appearance. */
export function unionLabels(perSource: readonly string[][]): string[] {
  return [...new Set(perSource.flat())];
}

/** [L_n, U] 0/1 matrix that puts source n's label columns at their union columns. */
export function placement(own: readonly string[], union: readonly string[]): tf.Tensor2D {
  const m = new Float32Array(own.length * union.length);
  own.forEach((l, i) => (m[i * union.length + union.indexOf(l)] = 1));
  return tf.tensor2d(m, [own.length, union.length]);
}

/** Router weights [rows, N]: the router's softmax (soft) or a one-hot of its pick (hard). */
export function routeWeights(routerLogits: tf.Tensor2D, mode: 'hard' | 'soft'): tf.Tensor2D {
  const n = routerLogits.shape[1];
  return mode === 'soft'
    ? tf.softmax(routerLogits)
    : (tf.oneHot(tf.argMax(routerLogits, 1), n).toFloat() as tf.Tensor2D);
}

/** log(sum_n w[:, n] * probs_n placed in the union), with a floor so a label no picked adapter has stays finite. */
export function mixProbabilities(
  weights: tf.Tensor2D,
  probs: readonly (tf.Tensor2D | null)[],
  placements: readonly tf.Tensor2D[],
): tf.Tensor2D {
  const parts = probs.flatMap((p, n) =>
    p ? [p.matMul(placements[n] as tf.Tensor2D).mul(weights.slice([0, n], [-1, 1]))] : [],
  );
  return tf.log(tf.addN(parts).maximum(1e-12)) as tf.Tensor2D;
}
