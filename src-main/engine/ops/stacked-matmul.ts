/**
 * A stack of independent 2-D products, out[i] = a[i] · B[pick(i)], with one custom gradient for the whole stack.
 * Attention on wasm runs as B·H small products (per-head: XNNPACK takes only plain 2-D matmuls); wrapping each in
 * its own differentiable op put thousands of tape nodes, saved-tensor copies and 2-D transposes into every step.
 * Here the tape sees one node, the forward saves its two inputs once, and the backward transposes whole stacks
 * (one 3-D transpose each) before its per-matrix products. `pick` lets several products share one B (grouped-query
 * attention: query heads reading a shared key/value head), whose gradient then sums over its readers.
 */
import * as tf from '@tensorflow/tfjs-core';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** [n, r, c] -> [n, c, r] */
const swapLast = (t: tf.Tensor3D): tf.Tensor3D => t.transpose([0, 2, 1]);

/** out[i] = xs[i] · ys[pick(i)] for every i, stacked. */
function products(xs: tf.Tensor2D[], ys: tf.Tensor2D[], pick: (i: number) => number): tf.Tensor3D {
  return tf.stack(xs.map((x, i) => tf.matMul(x, ys[pick(i)] as tf.Tensor2D))) as tf.Tensor3D;
}

/**
 * For a of shape [n, r, k] and b of shape [m, k, c] (or [m, c, k] with `transposeB`), returns [n, r, c] with
 * out[i] = a[i] · op(b[pick(i)]), where op transposes when `transposeB`. `pick` maps 0..n-1 onto 0..m-1
 * (default: the identity, n = m). Every product, forward and backward, is a plain non-transposed 2-D matMul.
 */
export function stackedMatMul(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  transposeB = false,
  pick: (i: number) => number = (i) => i,
): tf.Tensor3D {
  const n = a.shape[0];
  const m = b.shape[0];
  const readers: number[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < n; i++) {
    const j = pick(i);
    if (!Number.isInteger(j) || j < 0 || j >= m)
      throw new Error(`stackedMatMul: pick(${i}) = ${j}, not in 0..${m - 1}`);
    readers[j]!.push(i);
  }
  const f = tf.customGrad((...args: Args) => {
    const [x, y, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([x, y]);
    const value = products(
      tf.unstack(x) as tf.Tensor2D[],
      tf.unstack(transposeB ? swapLast(y) : y) as tf.Tensor2D[],
      pick,
    );
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sy] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dys = tf.unstack(dy) as tf.Tensor2D[];
      // d a[i] = dy[i] · op(b[j])ᵀ, and op(b)ᵀ is b itself when transposeB.
      const da = products(dys, tf.unstack(transposeB ? sy : swapLast(sy)) as tf.Tensor2D[], pick);
      // d op(b[j]) = Σ a[i]ᵀ · dy[i]; with transposeB, d b[j] is its transpose Σ dy[i]ᵀ · a[i].
      const lefts = tf.unstack(transposeB ? swapLast(dy as tf.Tensor3D) : swapLast(sx)) as tf.Tensor2D[];
      const rights = transposeB ? (tf.unstack(sx) as tf.Tensor2D[]) : dys;
      const db = tf.stack(
        readers.map((list) => {
          const terms = list.map((i) => tf.matMul(lefts[i] as tf.Tensor2D, rights[i] as tf.Tensor2D));
          if (terms.length === 0) return tf.zeros([sy.shape[1], sy.shape[2]]); // a B no product reads
          return terms.length === 1 ? (terms[0] as tf.Tensor) : tf.addN(terms);
        }),
      );
      return [da, db];
    };
    return { value, gradFunc };
  });
  return f(a, b) as tf.Tensor3D;
}
