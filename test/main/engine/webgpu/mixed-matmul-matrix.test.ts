/**
 * The subgroup-matrix program (engine/webgpu/mixed-matmul-matrix.ts) on lavapipe, which has no matrix units: its
 * four subgroup-matrix calls are swapped for plain-WGSL stand-ins with the same meaning (each invocation holds a
 * whole 16x16 fragment; a load honours offset, stride and the column-major flag; a store writes the fragment), and
 * everything else — vec4 staging in each operand's own layout, padding, prefetch, partial tiles and K tails, the
 * fragment offsets, the epilogue — runs as the GPU runs it. The values must equal a CPU product of operands rounded
 * to f16. On a GPU with matrix units, test/bench/mixed-products.ts checks the real calls the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { webgpuBackend } from '../../../../src-main/engine/webgpu/backend-internals.ts';
import type { UniformInput } from '../../../../src-main/engine/webgpu/backend-internals.ts';
import { MixedMatMulProgram, setMatrixTiling } from '../../../../src-main/engine/webgpu/mixed-matmul.ts';
import type { MatrixTiling, MixedMatMulSpec } from '../../../../src-main/engine/webgpu/mixed-matmul.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu subgroup-matrix emulation tests skipped: ${unavailable}`);
afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

/**
 * The stand-ins' fragment size: the program is written for any shape the adapter offers, and lavapipe compiles
 * 4x4 stand-ins in moments (16x16 ones, copied by value, take it minutes).
 */
const F = 4;
/** lavapipe's subgroups are 8 wide (its adapter reports 8 to 8). */
const SUBGROUP = 8;

/** The program's WGSL with the subgroup-matrix builtins replaced by stand-ins of the same meaning. */
function emulateMatrices(code: string): string {
  const out = code
    .replace(/^\s*enable chromium_experimental_subgroup_matrix;\s*$/m, '')
    .replace(/subgroup_matrix_result<f32, \d+, \d+>\(\)/g, `array<f32, ${F * F}>()`)
    .replace(/subgroupMatrixLoad<subgroup_matrix_(?:left|right)<f16, \d+, \d+>>\(&(\w+), /g, 'emuLoad_$1(')
    .replace(/subgroupMatrixMultiplyAccumulate\(/g, 'emuMma(')
    .replace(/subgroupMatrixStore\(&result, /g, 'emuStore(');
  const load = (name: string) => `
  fn emuLoad_${name}(off : u32, colMajor : bool, stride : u32) -> array<f32, ${F * F}> {
    var m : array<f32, ${F * F}>;
    for (var r = 0u; r < ${F}u; r = r + 1u) {
      for (var c = 0u; c < ${F}u; c = c + 1u) {
        var at = off + r * stride + c;
        if (colMajor) { at = off + c * stride + r; }
        m[r * ${F}u + c] = f32(${name}[at]);
      }
    }
    return m;
  }`;
  return `${out}
  ${load('As')}
  ${load('Bs')}
  fn emuMma(a : array<f32, ${F * F}>, b : array<f32, ${F * F}>, c : array<f32, ${F * F}>) -> array<f32, ${F * F}> {
    var d = c;
    for (var i = 0; i < ${F}; i = i + 1) {
      for (var j = 0; j < ${F}; j = j + 1) {
        for (var q = 0; q < ${F}; q = q + 1) { d[i * ${F} + j] = d[i * ${F} + j] + a[i * ${F} + q] * b[q * ${F} + j]; }
      }
    }
    return d;
  }
  fn emuStore(off : u32, c : array<f32, ${F * F}>, colMajor : bool, stride : u32) {
    for (var r = 0u; r < ${F}u; r = r + 1u) {
      for (var j = 0u; j < ${F}u; j = j + 1u) { result[off + r * stride + j] = c[r * ${F}u + j]; }
    }
  }`;
}

class EmulatedMatrixProgram extends MixedMatMulProgram {
  override getUserCode(): string {
    return emulateMatrices(super.getUserCode());
  }
}

function values(n: number, seed: number): Float32Array {
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

interface Case {
  m: number;
  n: number;
  k: number;
  tA: boolean;
  tB: boolean;
  batchA?: number;
  batchB?: number;
  bias?: boolean;
}

/** The program's product of random operands, and the CPU's product of their f16 roundings. */
async function runCase(
  c: Case,
  make: (spec: MixedMatMulSpec) => MixedMatMulProgram,
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
  const want = new Float64Array(batch * c.m * c.n);
  const A = (z: number, i: number, q: number) =>
    half(av[(bA === 1 ? 0 : z) * c.m * c.k + (c.tA ? q * c.m + i : i * c.k + q)] as number);
  const B = (z: number, q: number, j: number) =>
    half(bv[(bB === 1 ? 0 : z) * c.k * c.n + (c.tB ? j * c.k + q : q * c.n + j)] as number);
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

const TILINGS: MatrixTiling[] = [
  { wm: 2, wn: 2, tm: 2, tn: 2, bk: 32 },
  { wm: 2, wn: 2, tm: 1, tn: 2, bk: 16, pad: 8, prefetch: true },
  { wm: 1, wn: 2, tm: 2, tn: 1, bk: 32, pad: 8, prefetch: true },
];

describe.skipIf(unavailable !== null)('subgroup-matrix program (matrix calls emulated)', () => {
  for (const tiling of TILINGS) {
    it(`tiling ${JSON.stringify(tiling)}: every operand layout, vec4 and scalar reads, partial tiles, K tails`, async () => {
      await tf.setBackend('webgpu');
      const cases: Case[] = [
        { m: 20, n: 12, k: 40, tA: false, tB: false },
        { m: 20, n: 24, k: 40, tA: true, tB: false },
        { m: 12, n: 20, k: 40, tA: false, tB: true },
        { m: 28, n: 8, k: 42, tA: true, tB: true },
        { m: 8, n: 12, k: 21, tA: false, tB: true },
        { m: 16, n: 12, k: 24, tA: false, tB: false, batchA: 2, batchB: 1 },
        { m: 8, n: 20, k: 36, tA: false, tB: false, bias: true },
      ];
      for (const c of cases) {
        const { got, want } = await runCase(c, (spec) => {
          const old = setMatrixTiling(tiling);
          const program = new EmulatedMatrixProgram(
            { ...spec, matrix: { shape: { M: F, N: F, K: F }, subgroupSize: SUBGROUP } },
            false,
          );
          setMatrixTiling(old);
          expect(program.variant).toBe('subgroup-matrix');
          return program;
        });
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let i = 0; i < got.length; i++)
          worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
        // f16 products are exact in f32: only the order of f32 sums differs from the CPU's f64 sum.
        expect(worst, JSON.stringify(c)).toBeLessThan(2e-5);
      }
    });
  }
});
