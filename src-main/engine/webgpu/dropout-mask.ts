/**
 * Dropout multipliers computed on the GPU, bit for bit the masks engine/ops/dropout.ts draws in JavaScript: the
 * generator (mulberry32) is counter-based — draw i hashes seed + (i + 1)·0x6d2b79f5 — so each invocation computes
 * its own element. On a GPU this replaces drawing ~9 M numbers per BERT-small step in JavaScript and uploading them,
 * and its seed is read from a tensor, so a captured step (step-capture.ts) draws new masks on every replay.
 */
import * as tf from '@tensorflow/tfjs';
import { webgpuBackend } from './backend-internals.ts';
import type { WebGpuProgram } from './backend-internals.ts';

const WORKGROUP = 256;

class DropoutMaskProgram implements WebGpuProgram {
  variableNames = ['seed'];
  outputShape: number[];
  shaderKey = 'studio_dropout_mask';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;
  uniforms = 'call : u32, threshold : u32, keep : f32,';

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    const n = shape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(n / WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let s = bitcast<u32>(seed[0]) * 1000003u + uniforms.call;
          let state = s + (u32(index) + 1u) * 0x6d2b79f5u;
          var t = (state ^ (state >> 15u)) * (state | 1u);
          t = t ^ (t + (t ^ (t >> 7u)) * (t | 61u));
          let r = t ^ (t >> 14u);
          setOutputAtIndex(index, select(uniforms.keep, 0.0, r < uniforms.threshold));
        }
      }
    `;
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
  const b = webgpuBackend();
  if (!b) return null;
  const info = b.runWebGPUProgram(new DropoutMaskProgram(shape), [seed], 'float32', [
    { type: 'uint32', data: [call >>> 0] },
    { type: 'uint32', data: [Math.floor(rate * 2 ** 32)] },
    { type: 'float32', data: [1 / (1 - rate)] },
  ]);
  return tf.engine().makeTensorFromTensorInfo(info);
}
