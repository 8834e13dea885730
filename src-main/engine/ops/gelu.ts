/**
 * GELU, exact (erf: BERT's `gelu`) and tanh-approximated (gelu_new / gelu_pytorch_tanh). Composed from tf ops on
 * the CPU backends (x·x·x, not pow: pow is slow on wasm, ENGINE-NOTES.md); on webgpu one kernel forward and one
 * backward (engine/webgpu/gelu.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { geluBackward, geluForward } from '../webgpu/gelu.ts';
import type { GeluKind } from '../webgpu/gelu.ts';
import { cube } from './split.ts';

type Args = (tf.Tensor | tf.GradSaveFunc)[];

function composedGelu(x: tf.Tensor, kind: GeluKind): tf.Tensor {
  return tf.tidy(() =>
    kind === 'erf'
      ? x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5)
      : x.mul(tf.tanh(x.add(cube(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)).mul(0.5),
  );
}

export function gelu(x: tf.Tensor, kind: GeluKind): tf.Tensor {
  if (tf.getBackend() !== 'webgpu' || x.dtype !== 'float32') return composedGelu(x, kind);
  const f = tf.customGrad((...args: Args) => {
    const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([xs]);
    return {
      value: geluForward(xs, kind),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => geluBackward(saved[0] as tf.Tensor, dy, kind),
    };
  });
  return f(x);
}

/** GELU, exact (erf) form (BERT's `gelu`). */
export const geluErf = (x: tf.Tensor): tf.Tensor => gelu(x, 'erf');

/** GELU, tanh approximation (gelu_new / gelu_pytorch_tanh). */
export const geluTanh = (x: tf.Tensor): tf.Tensor => gelu(x, 'tanh');
