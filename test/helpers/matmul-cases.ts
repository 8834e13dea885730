/**
 * A product run as one of mixed-matmul.ts' programs through the webgpu backend, with its CPU reference (operands
 * rounded to f16 or not, summed in f64).
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpuBackend } from '../../src-main/engine/webgpu/backend-internals.ts';
import type { UniformInput } from '../../src-main/engine/webgpu/backend-internals.ts';
import type { MixedMatMulProgram, MixedMatMulSpec } from '../../src-main/engine/webgpu/mixed-matmul.ts';

export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Nearest f16 value of x (ties to even), as a number; operands here are within [-1, 1]. */
function half(x: number): number {
  if (x === 0) return 0;
  const a = Math.abs(x);
  const step = 2 ** (Math.max(Math.floor(Math.log2(a)), -14) - 10);
  const q = a / step;
  let r = Math.round(q);
  if (q % 1 === 0.5 && r % 2 === 1) r -= 1;
  return Math.sign(x) * r * step;
}

export interface Case {
  m: number;
  n: number;
  k: number;
  tA: boolean;
  tB: boolean;
  batchA?: number;
  batchB?: number;
  bias?: boolean;
}

/** The program's product of random operands, and the CPU's product of them (rounded to f16 with `round`). */
export async function runCase(
  c: Case,
  make: (spec: MixedMatMulSpec) => MixedMatMulProgram,
  round: boolean,
): Promise<{ got: Float32Array; want: Float64Array }> {
  const bA = c.batchA ?? 1;
  const bB = c.batchB ?? 1;
  const batch = Math.max(bA, bB);
  const av = values(bA * c.m * c.k, c.m + c.k);
  const bv = values(bB * c.k * c.n, c.n + 3);
  const biasv = values(c.n, 11);
  const a = tf.tensor3d(av, c.tA ? [bA, c.k, c.m] : [bA, c.m, c.k]);
  const b = tf.tensor3d(bv, c.tB ? [bB, c.n, c.k] : [bB, c.k, c.n]);
  const bias = tf.tensor1d(biasv);
  const spec: MixedMatMulSpec = {
    outShape: batch === 1 ? [c.m, c.n] : [batch, c.m, c.n],
    batch,
    m: c.m,
    n: c.n,
    k: c.k,
    transposeA: c.tA,
    transposeB: c.tB,
    hasBias: !!c.bias,
    activation: c.bias ? 'relu' : null,
  };
  const program = make(spec);
  const uniforms: UniformInput[] = [c.m, c.n, c.k, bA, bB].map((v) => ({ type: 'int32', data: [v] }));
  const backend = webgpuBackend();
  if (!backend) throw new Error('no webgpu backend');
  const info = backend.runWebGPUProgram(program, [a, b, ...(c.bias ? [bias] : [])], 'float32', uniforms);
  const y = tf.engine().makeTensorFromTensorInfo(info);
  const got = (await y.data()) as Float32Array;
  tf.dispose([a, b, bias, y]);
  const r = round ? half : (x: number) => x;
  const want = new Float64Array(batch * c.m * c.n);
  const A = (z: number, i: number, q: number) =>
    r(av[(bA === 1 ? 0 : z) * c.m * c.k + (c.tA ? q * c.m + i : i * c.k + q)] as number);
  const B = (z: number, q: number, j: number) =>
    r(bv[(bB === 1 ? 0 : z) * c.k * c.n + (c.tB ? j * c.k + q : q * c.n + j)] as number);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let s = 0;
        for (let q = 0; q < c.k; q++) s += A(z, i, q) * B(z, q, j);
        if (c.bias) s = Math.max(0, s + (biasv[j] as number));
        want[(z * c.m + i) * c.n + j] = s;
      }
  return { got, want };
}
