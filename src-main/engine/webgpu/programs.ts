/**
 * Our own WGSL kernels on tf.js's webgpu backend. tf.js builds every op from small generic kernels (a layer norm
 * is ~9 dispatches forward and ~20 backward, an AdamW update ~14 per weight); on a GPU each dispatch costs a few
 * µs however small it is (test/bench/RESULTS.md, the dispatch profile), so the hot patterns get one kernel each.
 * The programs follow tf.js's conventions (its shader preamble declares the inputs by `variableNames`, `result`,
 * and `uniforms` with each input's shape), and run through the backend like tf.js's own, so captured steps
 * (step-capture.ts) record them too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from './backend-internals.ts';
import type { UniformInput, WebGpuProgram } from './backend-internals.ts';

const ELEMENTWISE_WORKGROUP = 256;

/** Runs `program` on `inputs` (webgpu only) and returns its float32 output as a tracked tensor. */
export function runProgram(
  program: WebGpuProgram,
  inputs: tf.Tensor[],
  uniforms: UniformInput[] = [],
): tf.Tensor {
  const b = webgpuBackend();
  if (!b) throw new Error(`${program.shaderKey}: needs the webgpu backend`);
  return tf.engine().makeTensorFromTensorInfo(b.runWebGPUProgram(program, inputs, 'float32', uniforms));
}

/**
 * One output element per invocation; `body` assigns `result[index]` from same-sized inputs read at `index` (small
 * inputs may be read at fixed positions). Inputs and output are flat [n].
 */
export class ElementwiseProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [ELEMENTWISE_WORKGROUP, 1, 1];
  readonly size = true;
  readonly name: string;

  constructor(
    public shaderKey: string,
    readonly variableNames: string[],
    n: number,
    private readonly body: string,
    readonly uniforms?: string,
  ) {
    this.name = shaderKey;
    this.outputShape = [n];
    this.dispatch = [Math.ceil(n / ELEMENTWISE_WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }`;
  }
}

/**
 * Tensors one kernel reads when it takes a list of them (add-n.ts, sum-of-squares.ts): WebGPU's default limit is 8
 * storage buffers a shader, and the output takes one.
 */
export const MAX_INPUT_BUFFERS = 7;

/** Threads per row in {@link RowProgram}: rows are model widths (256..4096), read in strides of this. */
export const ROW_WORKGROUP = 128;

/** A workgroup-wide reduction `name(v)` over the workgroup's `partials`, combining two of them with `combine`. */
export const reduction = (name: string, combine: string) => `
      fn ${name}(v : f32) -> f32 {
        let t = localId.x;
        partials[t] = v;
        workgroupBarrier();
        for (var s = ${ROW_WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
          if (t < s) {
            partials[t] = ${combine};
          }
          workgroupBarrier();
        }
        let total = partials[0];
        workgroupBarrier();
        return total;
      }`;

/**
 * One workgroup per row of the first input, [rows, d] (output [rows, d] or [rows, outCols]); `body` sees `row`, `d`,
 * `tid`, `rowSum(v)` (the sum of every thread's v over the workgroup, for means and norms) and `rowMax(v)`. Loops
 * over a row must stride by ROW_WORKGROUP from `tid` and stop at `n` (0 for the padding workgroups a large dispatch
 * adds).
 */
export class RowProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0, 1] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [ROW_WORKGROUP, 1, 1];
  readonly name: string;

  constructor(
    public shaderKey: string,
    readonly variableNames: string[],
    rows: number,
    d: number,
    private readonly body: string,
    readonly uniforms?: string,
    /** Output columns when not d (a per-row result: 1). */
    outCols = d,
  ) {
    this.name = shaderKey;
    this.outputShape = [rows, outCols];
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    const first = this.variableNames[0]?.replace(/^./, (c) => c.toLowerCase());
    return `
      var<workgroup> partials : array<f32, ${ROW_WORKGROUP}>;
${reduction('rowSum', 'partials[t] + partials[t + s]')}
${reduction('rowMax', 'max(partials[t], partials[t + s])')}
      fn main(index : i32) {
        let row = index / ${ROW_WORKGROUP};
        let tid = i32(localId.x);
        let d = uniforms.${first}Shape[1];
        let n = select(0, d, row < uniforms.${first}Shape[0]);
        let base = row * d;
        ${this.body}
      }`;
  }
}
