/**
 * Dropout multipliers computed on the GPU, bit for bit the masks engine/ops/dropout.ts draws in JavaScript: the
 * generator (mulberry32) is counter-based — draw i hashes seed + (i + 1)·0x6d2b79f5 — so each invocation computes
 * its own element. On a GPU this replaces drawing ~9 M numbers per BERT-small step in JavaScript and uploading them,
 * and its seed is read from a tensor, so a captured step (step-capture.ts) draws new masks on every replay.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import type { UniformInput } from './backend-internals.ts';
import { ElementwiseProgram, runProgram } from './programs.ts';

/**
 * mulberry32's draw `index` from the seed's bits and the call, then the multiplier (0 or `keep`): WGSL shared by
 * this mask and the kernels that apply it inline (attention-wgsl.ts), so both give the same masks.
 */
export const DROPOUT_MULTIPLIER_WGSL = `
  fn dropoutMultiplier(seedBits : i32, call : u32, index : i32, threshold : u32, keep : f32) -> f32 {
    let s = bitcast<u32>(seedBits) * 1000003u + call;
    let state = s + (u32(index) + 1u) * 0x6d2b79f5u;
    var t = (state ^ (state >> 15u)) * (state | 1u);
    t = t ^ (t + (t ^ (t >> 7u)) * (t | 61u));
    let r = t ^ (t >> 14u);
    return select(keep, 0.0, r < threshold);
  }`;

const BODY = `result[index] = dropoutMultiplier(seed[0], uniforms.call, index, uniforms.threshold, uniforms.keep);`;

/** The dropout uniforms of rate `rate` for call `call`, in the order `call : u32, threshold : u32, keep : f32`. */
export function dropoutUniforms(rate: number, call: number): UniformInput[] {
  return [
    { type: 'uint32', data: [call >>> 0] },
    { type: 'uint32', data: [Math.floor(rate * 2 ** 32)] },
    { type: 'float32', data: [1 / (1 - rate)] },
  ];
}

class MaskProgram extends ElementwiseProgram {
  constructor(n: number) {
    super('studio_dropout_mask', ['seed'], n, BODY, 'call : u32, threshold : u32, keep : f32,');
  }

  override getUserCode(): string {
    return DROPOUT_MULTIPLIER_WGSL + super.getUserCode();
  }
}

/**
 * [0 or 1/(1 - rate)] multipliers of `shape` on the webgpu backend for dropout call `call` of a forward pass whose
 * seed is `seed` (int32 [1], the seed's 32 bits): the same values as dropoutMask(shape, rate, (seed·1000003 + call)
 * mod 2³²). Null on other backends.
 */
export function gpuDropoutMask(
  shape: number[],
  rate: number,
  seed: tf.Tensor,
  call: number,
): tf.Tensor | null {
  if (!webgpuBackend()) return null;
  const n = shape.reduce((a, b) => a * b, 1);
  const program = new MaskProgram(n);
  return tf.tidy(() => runProgram(program, [seed], dropoutUniforms(rate, call)).reshape(shape));
}

class ApplyProgram extends ElementwiseProgram {
  /** `withResidual`: adds a second input R as it writes (dropout on a block's output, then its skip connection). */
  constructor(n: number, withResidual: boolean) {
    const apply =
      'X[index] * dropoutMultiplier(seed[0], uniforms.call, index, uniforms.threshold, uniforms.keep)';
    super(
      withResidual ? 'studio_dropout_add' : 'studio_dropout_apply',
      withResidual ? ['X', 'seed', 'R'] : ['X', 'seed'],
      n,
      withResidual ? `result[index] = ${apply} + R[index];` : `result[index] = ${apply};`,
      'call : u32, threshold : u32, keep : f32,',
    );
  }

  override getUserCode(): string {
    return DROPOUT_MULTIPLIER_WGSL + super.getUserCode();
  }
}

type Args = (tf.Tensor | tf.GradSaveFunc)[];

/**
 * x times gpuDropoutMask(x.shape, rate, seed, call), plus `residual` if given, differentiable in x (and the
 * residual), without the mask as a tensor: one kernel draws each element's multiplier and applies it (and adds the
 * residual), forward, and again to the gradient, backward (the composed form was a mask kernel, a multiply and an
 * add forward, and kept the mask in memory until the backward's multiply). Without a residual the same values bit
 * for bit; with one, the multiply and add may round once (a fused multiply-add). Null on other backends.
 */
export function gpuApplyDropout(
  x: tf.Tensor,
  rate: number,
  seed: tf.Tensor,
  call: number,
  residual?: tf.Tensor,
): tf.Tensor | null {
  if (!webgpuBackend()) return null;
  const apply = (t: tf.Tensor, s: tf.Tensor, r?: tf.Tensor) =>
    runProgram(
      new ApplyProgram(t.size, !!r),
      [t.reshape([t.size]), s, ...(r ? [r.reshape([r.size])] : [])],
      dropoutUniforms(rate, call),
    ).reshape(t.shape);
  const f = tf.customGrad((...args: Args) => {
    const xs = args[0] as tf.Tensor;
    const rs = residual ? (args[1] as tf.Tensor) : undefined;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // The seed is saved: the backward may run after the caller's scope disposed it (a number's tensor).
    save([seed]);
    return {
      value: apply(xs, seed, rs),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const dx = apply(dy, saved[0] as tf.Tensor);
        return rs ? [dx, dy] : dx;
      },
    };
  });
  return residual ? f(x, residual) : f(x);
}
