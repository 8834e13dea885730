/**
 * Matrix products with their epilogue in the same dispatch on webgpu: `x·W + addend`, where the addend is a dense
 * layer's bias ([out], broadcast over rows) or a whole [rows, out] tensor (LoRA's frozen path, added to the
 * branch's last product). tf.js's _FusedMatMul kernel adds it as it writes each output element (the same f32
 * addition as a separate Add kernel, so the values are the composed form's), one dispatch instead of two; on a GPU
 * each dispatch costs a few µs however small (test/bench/RESULTS.md, the dispatch profile).
 *
 * tf.fused.matMul's own gradient is not used: it computes the weight gradient even for a frozen weight (adapter
 * training's whole point is not to) and uses tf.js's transposed-operand products, which read slower on webgpu than
 * an explicit transpose (RESULTS.md, "tried and not kept"). The gradient here is that of ops/matmul.ts: plain
 * products after explicit transposes, nothing for frozen operands. STUDIO_FUSED_EPILOGUE=0 turns the fusion off
 * (the composed product and Add), so one GPU session can time both (test/bench/GPU-RUNS.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedMatMulActivation,
  fusedMatMulBiasResidual,
  reluGradFromOutput,
} from '../webgpu/matmul-activation.ts';
import type { EpilogueActivation } from '../webgpu/matmul-activation.ts';
import { gelu } from './gelu.ts';
import { isFrozen, matMul, productT } from './matmul.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/** Whether products take their epilogue in the same dispatch: on webgpu, unless STUDIO_FUSED_EPILOGUE=0. */
export function epiloguesOn(): boolean {
  return tf.getBackend() === 'webgpu' && process.env.STUDIO_FUSED_EPILOGUE !== '0';
}

/** The addend's gradient: dy itself for a full-sized addend, summed over the rows for a broadcast bias. */
function addendGrad(dy: tf.Tensor2D, shape: number[]): tf.Tensor {
  return shape.length === 2 && shape[0] === dy.shape[0] ? dy : dy.sum(0).reshape(shape);
}

/**
 * Whether tf.js is recording gradients now: its own fused ops fuse an activation only when not (fused_util.ts
 * shouldFuse), since the gradient of GELU or SiLU needs the product before the activation, which a fused
 * dispatch does not keep. The engine's state is not public API; read where tf.js itself reads it.
 */
function recordingGradients(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * `act(x·w + addend)` in one dispatch, differentiable: `act` 'linear' or 'relu' (whose gradient needs only the
 * output). Frozen operands are closed over, not inputs, so they get no gradient product.
 */
function fusedProduct(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  addend: tf.Tensor | null,
  act: 'linear' | 'relu',
  opts: { frozenW?: boolean; frozenAddend?: boolean },
): tf.Tensor2D {
  const wFrozen = isFrozen(w, opts.frozenW);
  const addFrozen = !addend || isFrozen(addend, opts.frozenAddend);
  const f = tf.customGrad((...args: Args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args[0] as tf.Tensor2D;
    const ws = (wFrozen ? w : args[1]) as tf.Tensor2D;
    const as = addFrozen ? addend : (args[wFrozen ? 1 : 2] as tf.Tensor);
    const y =
      act === 'relu'
        ? fusedMatMulActivation(xs, ws, as, 'relu')
        : (tf.engine().runKernel('_FusedMatMul', as ? { a: xs, b: ws, bias: as } : { a: xs, b: ws }, {
            transposeA: false,
            transposeB: false,
            activation: 'linear',
            leakyreluAlpha: 0,
          }) as tf.Tensor2D);
    save([xs, ...(wFrozen ? [] : [ws]), ...(act === 'relu' ? [y] : [])]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sx = saved[0] as tf.Tensor2D;
        const sw = (wFrozen ? w : saved[1]) as tf.Tensor2D;
        const d = (
          act === 'relu' ? reluGradFromOutput(saved[saved.length - 1] as tf.Tensor, dy) : dy
        ) as tf.Tensor2D;
        const grads: tf.Tensor[] = [productT(d, sw, false, true)];
        if (!wFrozen) grads.push(productT(sx, d, true, false));
        if (!addFrozen && addend) grads.push(addendGrad(d, addend.shape));
        return grads;
      },
    };
  });
  return f(x, ...(wFrozen ? [] : [w]), ...(addFrozen || !addend ? [] : [addend])) as tf.Tensor2D;
}

/**
 * 2-D `x·w + addend` (addend [out] or [rows, out]) in one dispatch on webgpu; elsewhere, or with the epilogues
 * off, the product and an Add. Frozen operands (a non-trainable Variable; `frozenW` overrides for w) get no
 * gradient.
 */
export function matMulAdd(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  addend: tf.Tensor,
  opts: { frozenW?: boolean; frozenAddend?: boolean } = {},
): tf.Tensor2D {
  return tf.tidy(() =>
    epiloguesOn()
      ? fusedProduct(x, w, addend, 'linear', opts)
      : matMul(x, w, false, false, opts.frozenW).add(addend),
  );
}

/** The activations as composed ops, the forms models/base/layers.ts `activate` uses. */
function activation(z: tf.Tensor, act: EpilogueActivation): tf.Tensor {
  if (act === 'relu') return tf.relu(z);
  if (act === 'silu') return z.mul(tf.sigmoid(z));
  return gelu(z, act === 'gelu_erf' ? 'erf' : 'tanh');
}

/**
 * A dense layer and its activation, `act(x·w + b)`, x [rows, in]. On webgpu the activation is the product's
 * epilogue where that keeps a gradient: ReLU always (its gradient needs only the output), GELU and SiLU when no
 * gradient is recorded (inference; in training the product keeps the bias and the activation is its own kernel).
 */
export function linearActivated(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor | null,
  act: EpilogueActivation,
  opts: { frozen?: boolean } = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    if (epiloguesOn() && act === 'relu') return fusedProduct(x, w, b, 'relu', { frozenW: opts.frozen });
    if (epiloguesOn() && !recordingGradients()) return fusedMatMulActivation(x, w, b, act);
    return activation(linear(x, w, b, opts), act) as tf.Tensor2D;
  });
}

/**
 * `x·w + b + residual`, x [rows, in], residual [rows, out]: on webgpu one dispatch (the bias and the residual in
 * the product's epilogue) where no gradient is recorded, or where there is no bias (the residual is then the
 * addend of {@link matMulAdd}, which has a gradient); otherwise the dense layer and an Add.
 */
export function linearResidual(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor | null,
  residual: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    if (epiloguesOn() && !b) return matMulAdd(x, w, residual);
    if (epiloguesOn() && b && !recordingGradients()) return fusedMatMulBiasResidual(x, w, b, residual);
    return linear(x, w, b).add(residual);
  });
}

/**
 * A dense layer `x W + b` with W as [in, out]. x may have any rank >= 2: it is flattened to [rows, in] (tf.js
 * cannot differentiate a 3-D x 2-D matMul) and the leading shape restored. `opts.frozen` overrides the
 * trainable-flag detection of {@link isFrozen}. The bias is the product's epilogue ({@link matMulAdd}).
 */
export function linear<R extends tf.Rank>(
  x: tf.Tensor<R>,
  w: tf.Tensor,
  b?: tf.Tensor | null,
  opts: { frozen?: boolean } = {},
): tf.Tensor<R> {
  return tf.tidy(() => {
    const [inF, outF] = w.shape as [number, number];
    const lead = x.shape.slice(0, -1);
    const x2 = x.rank === 2 ? (x as unknown as tf.Tensor2D) : x.reshape([-1, inF]);
    const y = b
      ? matMulAdd(x2 as tf.Tensor2D, w as tf.Tensor2D, b, { frozenW: opts.frozen })
      : matMul(x2 as tf.Tensor2D, w as tf.Tensor2D, false, false, opts.frozen);
    return (x.rank === 2 ? y : y.reshape([...lead, outF])) as tf.Tensor<R>;
  });
}
