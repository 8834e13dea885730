/**
 * Ops whose tf.js gradients are missing, wrong or slow on some backends, and the fast building blocks of the
 * training step (2-D matmuls with XNNPACK-friendly gradients, per-head attention). Each has a test against the
 * plain tf op on the cpu backend (values and gradients). Importing this module also installs the faster wasm
 * slice kernels (engine/wasm-kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { installFastWasmKernels } from '../wasm-kernels.ts';
import { conv2dWithGrad } from './conv2d.ts';
import { embeddingLookup, embeddingLookupByProducts } from './embedding.ts';
import { isFrozen } from './matmul.ts';

installFastWasmKernels();

/** Backends that lack the gather and convolution gradient kernels. */
const needsFixes = (): boolean => tf.getBackend() === 'wasm';

/**
 * Embedding rows `table[ids]`. The table's gradient: on wasm a scatter-add (UnsortedSegmentSum is missing there),
 * on webgpu one-hot products (its UnsortedSegmentSum serialises on shared rows); a frozen table needs none.
 */
export function gatherRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (needsFixes()) return embeddingLookup(table, ids);
  if (tf.getBackend() === 'webgpu' && !isFrozen(table)) return embeddingLookupByProducts(table, ids);
  return tf.gather(table, ids.cast('int32'));
}

/** NHWC conv2d, square stride, symmetric padding; on wasm with a gradient built from forward convolutions. */
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

export { conv2dWithGrad, embeddingLookup, embeddingLookupByProducts };
export { isFrozen, matMul } from './matmul.ts';
export { epiloguesOn, linear, linearActivated, linearResidual, matMulAdd } from './matmul-epilogue.ts';
export { lowRankAdd } from './low-rank.ts';
export type { EpilogueActivation } from '../webgpu/matmul-activation.ts';
export { attentionHeads, defaultAttentionMode, multiHeadAttention, paddingBias } from './attention.ts';
export { stackedMatMul } from './stacked-matmul.ts';
export { callSeed, dropout, dropoutAdd, dropoutMask } from './dropout.ts';
export type { AttentionDropout, AttentionOptions, AttentionShape } from './attention.ts';
export { cube, splitLastDim } from './split.ts';
export { gelu, geluErf, geluTanh } from './gelu.ts';
export { layerNorm, rmsNorm } from './norms.ts';
export { batchNorm, maxPool } from './pool-norm.ts';
export { depthwiseConv2d } from './depthwise.ts';
