/**
 * Σ x² over many tensors on webgpu, for the global gradient norm: each workgroup sums the squares of one chunk of
 * one tensor, up to seven tensors per dispatch (WebGPU's default limit is 8 storage buffers a shader: seven inputs
 * and the output), then one sum of every chunk's total. tf.js reduces a tensor to one value in a single workgroup
 * (~0.2 ms for each of BERT-base's 768x3072 gradients, 37 ms of a full fine-tuning step on an H200,
 * test/bench/RESULTS.md); one kernel per gradient, a sum and an add each, was three dispatches per weight, 150 of
 * a BERT-base LoRA step's ~1,300, each costing a few µs however small.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGpuProgram } from './backend-internals.ts';
import { MAX_INPUT_BUFFERS as GROUP, reduction, ROW_WORKGROUP as WG, runProgram } from './programs.ts';

/** Elements per workgroup: 16 per invocation. */
const CHUNK = WG * 16;

class SumOfSquaresProgram implements WebGpuProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly variableNames: string[];
  readonly uniforms: string;
  readonly shaderKey: string;
  readonly name = 'studio_sum_of_squares';

  constructor(
    private readonly count: number,
    chunks: number,
  ) {
    this.variableNames = Array.from({ length: count }, (_, i) => `X${i}`);
    this.uniforms = Array.from({ length: count }, (_, i) => `n${i} : i32, first${i} : i32,`).join(' ');
    this.shaderKey = `studio_sum_of_squares_${count}`;
    this.outputShape = [chunks];
    this.dispatch = [chunks, 1, 1];
  }

  getUserCode(): string {
    const ids = [...Array(this.count).keys()];
    // The tensor a workgroup reads: the last whose first chunk is at or before it (chunks are in tensor order).
    const pick = ids
      .slice(1)
      .map(
        (i) => `if (w >= uniforms.first${i}) { t = ${i}; n = uniforms.n${i}; first = uniforms.first${i}; }`,
      )
      .join('\n        ');
    // WGSL needs a default case: the last tensor's.
    const cases = ids.map((i) => `${i < this.count - 1 ? `case ${i}` : 'default'}: { return X${i}[i]; }`);
    return `
      var<workgroup> partials : array<f32, ${WG}>;
${reduction('wgSum', 'partials[t] + partials[t + s]')}
      fn element(t : i32, i : i32) -> f32 {
        switch t { ${cases.join(' ')} }
      }
      fn main(index : i32) {
        let w = i32(workgroupId.x);
        let tid = i32(localId.x);
        var t = 0;
        var n = uniforms.n0;
        var first = 0;
        ${pick}
        let lo = (w - first) * ${CHUNK};
        let hi = min(lo + ${CHUNK}, n);
        var s = 0.0;
        for (var i = lo + tid; i < hi; i += ${WG}) { let v = element(t, i); s += v * v; }
        let total = wgSum(s);
        if (tid == 0) { result[w] = total; }
      }`;
  }
}

/** Σ x² of every element of `xs` (float32, on webgpu) as one scalar. */
export function gpuSumOfSquares(xs: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const partials: tf.Tensor[] = [];
    for (let g = 0; g < xs.length; g += GROUP) {
      const group = xs.slice(g, g + GROUP).filter((x) => x.size > 0);
      if (group.length === 0) continue;
      let chunks = 0;
      const uniforms = group.flatMap((x) => {
        const first = chunks;
        chunks += Math.ceil(x.size / CHUNK);
        return [x.size, first].map((v) => ({ type: 'int32' as const, data: [v] }));
      });
      const program = new SumOfSquaresProgram(group.length, chunks);
      partials.push(
        runProgram(
          program,
          group.map((x) => x.reshape([x.size])),
          uniforms,
        ),
      );
    }
    if (partials.length === 0) return tf.scalar(0);
    return (partials.length === 1 ? partials[0]! : tf.concat(partials)).sum() as tf.Scalar;
  });
}
