/**
 * Ops whose tf.js gradients are missing or slow on some backends. Each is used only where the active backend
 * needs it, and each has a gradient test against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dWithGrad } from './conv2d.ts';
import { embeddingLookup } from './embedding.ts';

/** Backends that lack the gather and convolution gradient kernels. */
const needsFixes = (): boolean => tf.getBackend() === 'wasm';

export function gatherRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return needsFixes() ? embeddingLookup(table, ids) : tf.gather(table, ids.cast('int32'));
}

export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  if (needsFixes()) return conv2dWithGrad(x, w, stride, pad);
  const padding =
    pad === 0
      ? 'valid'
      : ([
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ] as [[number, number], [number, number], [number, number], [number, number]]);
  return tf.conv2d(x, w, stride, padding);
}

export { conv2dWithGrad, embeddingLookup };
