/**
 * Dropout multipliers computed on the GPU, bit for bit the masks engine/ops/dropout.ts draws in JavaScript: the
 * generator (mulberry32) is counter-based — draw i hashes seed + (i + 1)·0x6d2b79f5 — so each invocation computes
 * its own element. On a GPU this replaces drawing ~9 M numbers per BERT-small step in JavaScript and uploading them,
 * and its seed is read from a tensor, so a captured step (step-capture.ts) draws new masks on every replay.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import { ElementwiseProgram, runProgram } from './programs.ts';

/** mulberry32's draw `index` from the seed (input `seed`, its bits) and the call, then the multiplier. */
const BODY = `
  let s = bitcast<u32>(seed[0]) * 1000003u + uniforms.call;
  let state = s + (u32(index) + 1u) * 0x6d2b79f5u;
  var t = (state ^ (state >> 15u)) * (state | 1u);
  t = t ^ (t + (t ^ (t >> 7u)) * (t | 61u));
  let r = t ^ (t >> 14u);
  result[index] = select(uniforms.keep, 0.0, r < uniforms.threshold);`;

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
  const program = new ElementwiseProgram(
    'studio_dropout_mask',
    ['seed'],
    n,
    BODY,
    'call : u32, threshold : u32, keep : f32,',
  );
  return tf.tidy(() =>
    runProgram(
      program,
      [seed],
      [
        { type: 'uint32', data: [call >>> 0] },
        { type: 'uint32', data: [Math.floor(rate * 2 ** 32)] },
        { type: 'float32', data: [1 / (1 - rate)] },
      ],
    ).reshape(shape),
  );
}
