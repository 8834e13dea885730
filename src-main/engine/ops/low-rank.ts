/**
 * A low-rank branch added to a frozen layer's output, `y + scale·(x·a)·b` (LoRA: a [in, r], b [r, out]). Where
 * the thin product program runs x·a (webgpu/thin-matmul.ts: r <= 16, in >= 256), the scale rides in it and in the
 * gradient's first thin product, so no dispatch multiplies by it, and y is added in the last product's epilogue:
 * two dispatches forward (x·a·scale; h·b + y) and four back (scale·dy·bᵀ; its product with aᵀ for x; the two thin
 * weight gradients), against three and five with the scale on b. Elsewhere the composed form of matmul-epilogue.ts.
 * The values are those products' f32 sums with the scale applied to another factor, so they equal the composed
 * form's to rounding, not bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scaledProduct, thinTakesProduct } from '../webgpu/thin-matmul.ts';
import { matMulAdd } from './matmul-epilogue.ts';
import { isFrozen, matMul, productT } from './matmul.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** `y + scale·(x·a)·b`, x [rows, in], y [rows, out]; frozen a or b (a non-trainable Variable) get no gradient. */
export function lowRankAdd(
  x: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  y: tf.Tensor2D,
  scale: number,
): tf.Tensor2D {
  const [rows, inF] = x.shape;
  const r = a.shape[1];
  if (!thinTakesProduct(rows, r, inF))
    return tf.tidy(() => matMulAdd(matMul(x, a), scale === 1 ? b : (b.mul(scale) as tf.Tensor2D), y));
  const aFrozen = isFrozen(a);
  const bFrozen = isFrozen(b);
  const f = tf.customGrad((...args: Args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xs, ys] = args as [tf.Tensor2D, tf.Tensor2D];
    const as = (aFrozen ? a : args[2]) as tf.Tensor2D;
    const bs = (bFrozen ? b : args[aFrozen ? 2 : 3]) as tf.Tensor2D;
    const h = scaledProduct(xs, as, false, false, scale);
    const out = tf
      .engine()
      .runKernel(
        '_FusedMatMul',
        { a: h, b: bs, bias: ys },
        { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 },
      ) as tf.Tensor2D;
    save([xs, h, as, bs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sh, sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        // g = scale·dy·bᵀ, the gradient at x·a.
        const g = scaledProduct(d, sb, false, true, scale);
        const grads: tf.Tensor[] = [productT(g, sa, false, true), d];
        if (!aFrozen) grads.push(productT(sx, g, true, false));
        if (!bFrozen) grads.push(productT(sh, d, true, false));
        return grads;
      },
    };
  });
  return f(x, y, ...(aFrozen ? [] : [a]), ...(bFrozen ? [] : [b])) as tf.Tensor2D;
}
