/**
 * Sum over leading axes on wasm by adding whole rows. tf.js's wasm Sum first transposes the input so the reduced
 * axes are innermost; for axis 0 (the gradient of every bias and LayerNorm scale: [tokens, features] -> [features])
 * that took ~28 ms per [2048, 1024] on the 2-core build machine, adding rows ~11 ms (test/bench/profile-step.ts).
 * (A JS transpose was tried too and was no faster than tf.js's: that kernel is left as it is.)
 */
import type * as tf from '@tensorflow/tfjs-core';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tf.js's BackendWasm used here. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
}

/**
 * Sum of float32 x over its leading `lead` axes ([outer, inner] -> [inner]), rows added in float64 so the result
 * is at least as accurate as a sequential float32 sum.
 */
export function sumLeadingInto(
  backend: WasmHeapBackend,
  x: tf.TensorInfo,
  lead: number,
  outShape: number[],
): tf.TensorInfo {
  const outer = x.shape.slice(0, lead).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(lead).reduce((a, b) => a * b, 1);
  const acc = new Float64Array(inner);
  const out = backend.makeOutput(outShape, 'float32');
  // Views after makeOutput: allocating can grow (and detach) the heap.
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let r = 0; r < outer; r++) {
    const base = r * inner;
    for (let j = 0; j < inner; j++) acc[j]! += src[base + j]!;
  }
  for (let j = 0; j < inner; j++) dst[j] = acc[j]!;
  return out;
}
