/**
 * Matrix products whose backward pass stays on the fast path. The wasm backend sends a matmul to XNNPACK only
 * when it is 2-D and neither operand is transposed; tf.js's own matMul gradient uses transposed products, which
 * wasm runs in a naive loop (~0.8 GFLOP/s vs 15-40). Here every product, forward and backward, is a plain 2-D
 * matMul after an explicit tf.transpose. Frozen weights (a tf.Variable with trainable = false, or `frozen: true`)
 * get no weight gradient at all, which saves the 2·N·T weight-gradient FLOPs of adapter training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { studioMatMulTakes } from '../webgpu/mixed-precision.ts';
import { productDims, thinTakesProduct } from '../webgpu/thin-matmul.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/**
 * A gradient's product with one operand transposed (`aᵀ·b` or `a·bᵀ`, 2-D). Where the studio's own product programs
 * run it (mixed precision, STUDIO_F32_MATMUL's f32 program, or the thin one for LoRA's rank-r products), that program
 * reads the operand transposed at full speed, so it gets the transpose flag (one dispatch instead of a transpose and
 * a product); elsewhere an explicit transpose and a plain product, which wasm's XNNPACK and tf.js's f32 webgpu
 * programs run faster (see the file comment and matmul-epilogue.ts).
 */
export function productT(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA: boolean,
  transposeB: boolean,
): tf.Tensor2D {
  const [m, k, n] = productDims(a.shape, b.shape, transposeA, transposeB);
  if (studioMatMulTakes(m, n, k) || thinTakesProduct(m, n, k)) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? a.transpose() : a, transposeB ? b.transpose() : b);
}

/** a @ b, both differentiable. */
const matMulBoth = tf.customGrad((...args: Args) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [productT(dy as tf.Tensor2D, sb, false, true), productT(sa, dy as tf.Tensor2D, true, false)];
    },
  };
});

/** a @ b where b is a constant of the graph: only a gets a gradient, b is closed over, not an input. */
function matMulConstB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: Args) => {
    const [x] = args as [tf.Tensor2D];
    return {
      value: tf.matMul(x, b),
      gradFunc: (dy: tf.Tensor) => productT(dy as tf.Tensor2D, b, false, true),
    };
  });
  return f(a) as tf.Tensor2D;
}

/** Whether a weight should get no gradient: a non-trainable Variable, unless the caller says otherwise. */
export function isFrozen(w: tf.Tensor, frozen?: boolean): boolean {
  return frozen ?? (w instanceof tf.Variable && !w.trainable);
}

/**
 * 2-D `a @ b` (optionally transposed operands) with an XNNPACK-friendly gradient on every backend. Transposes are
 * explicit so the wasm product itself is never a transposed one. `frozenB` closes over b (no gradient for it).
 */
export function matMul(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
  frozenB?: boolean,
): tf.Tensor2D {
  return tf.tidy(() => {
    const aa: tf.Tensor2D = transposeA ? a.transpose() : a;
    const bb: tf.Tensor2D = transposeB ? b.transpose() : b;
    return isFrozen(b, frozenB) ? matMulConstB(aa, bb) : (matMulBoth(aa, bb) as tf.Tensor2D);
  });
}
