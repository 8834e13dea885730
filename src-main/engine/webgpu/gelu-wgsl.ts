/**
 * The WGSL arithmetic of erf and tanh, written once for the GELU kernels (engine/webgpu/gelu.ts) and the matmul
 * epilogue (engine/webgpu/matmul-activation.ts). Each builder returns statements that bind `out` to the value for
 * an operand that may be an f32 or a vec4<f32> (WGSL's abs, sign and exp are component-wise), so the two kernels
 * compute bit for bit the same numbers. erf is tf.js's own approximation (so values equal tf.erf's); tanh is
 * tf.js's webgpu form, stable for large |x|.
 */
import * as tf from '@tensorflow/tfjs-core';

const u = tf.backend_util;

export const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Statements binding `out` to erf(`x`). */
export function erfWgsl(x: string, out: string): string {
  return `
    let ${out}_t = 1.0 / (1.0 + ${u.ERF_P} * abs(${x}));
    let ${out} = sign(${x}) * (1.0 - (((((${u.ERF_A5} * ${out}_t + ${u.ERF_A4}) * ${out}_t) + ${u.ERF_A3}) * ${out}_t
      + ${u.ERF_A2}) * ${out}_t + ${u.ERF_A1}) * ${out}_t * exp(-${x} * ${x}));`;
}

/** Statements binding `out` to tanh(`x`). */
export function tanhWgsl(x: string, out: string): string {
  return `
    let ${out}_e2x = exp(-2.0 * abs(${x}));
    let ${out} = sign(${x}) * (1.0 - ${out}_e2x) / (1.0 + ${out}_e2x);`;
}
