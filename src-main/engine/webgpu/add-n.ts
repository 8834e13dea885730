/**
 * Same-shaped float32 tensors added in order, ((x0 + x1) + x2) + …, up to seven a dispatch (WebGPU's default of 8
 * storage buffers a shader: seven inputs and the output): the same f32 additions as a chain of Add kernels, so the
 * same values bit for bit, in a seventh of the dispatches. The backward pass sums a tensor's gradient contributions
 * with it (lean-gradients.ts): a BERT layer's input feeds six products and a residual.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import { ElementwiseProgram, MAX_INPUT_BUFFERS as MAX_INPUTS, runProgram } from './programs.ts';

/** Σ xs in order on webgpu (null elsewhere, or for fewer than two tensors). */
export function gpuAddInOrder(xs: readonly tf.Tensor[]): tf.Tensor | null {
  if (!webgpuBackend() || xs.length < 2) return null;
  return tf.tidy(() => {
    const shape = (xs[0] as tf.Tensor).shape;
    const n = (xs[0] as tf.Tensor).size;
    let sum: tf.Tensor | null = null;
    for (let at = 0; at < xs.length; ) {
      const group = [...(sum ? [sum] : []), ...xs.slice(at, at + MAX_INPUTS - (sum ? 1 : 0))];
      at += group.length - (sum ? 1 : 0);
      const names = group.map((_, i) => `X${i}`);
      const expr = names.slice(1).reduce((acc, name) => `(${acc} + ${name}[index])`, 'X0[index]');
      const program = new ElementwiseProgram(
        `studio_add_in_order_${group.length}`,
        names,
        n,
        `result[index] = ${expr};`,
      );
      sum = runProgram(
        program,
        group.map((x) => x.reshape([n])),
      );
    }
    return (sum as tf.Tensor).reshape(shape);
  });
}
