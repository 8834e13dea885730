/**
 * Mixed-precision products (engine/webgpu/mixed-matmul.ts) against a CPU reference that rounds each operand to f16
 * and sums in f64: the GPU's result must sit much closer to that than to the f32 product, which proves the operands
 * really are rounded (a product left in f32 fails), and within the f32 summation error of it. Run on lavapipe in CI
 * (the tiled program; the subgroup-matrix one needs a GPU with matrix units, gpu-compare checks it there).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  dawnFlags,
  ENTRY_BUILTINS,
  hoistDirectives,
} from '../../../../src-main/engine/webgpu/gpu-features.ts';
import { runProgram } from '../../../../src-main/engine/webgpu/programs.ts';
import { mixedProductCount, setMixedPrecision } from '../../../../src-main/engine/webgpu/mixed-precision.ts';
import { maxDiff, productChain, reference, values } from '../../../helpers/product-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu mixed-precision tests skipped: ${unavailable}`);

afterEach(() => {
  if (!unavailable) setMixedPrecision(false);
});
afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

/** Round to the nearest f16 value (ties to even), as a number. */
function toF16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const step = 2 ** (e - 10);
  const q = a / step;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q) - 0.5) < 1e-12 && r % 2 === 1) r -= 1;
  return Math.sign(x) * r * step;
}

describe('Dawn flags', () => {
  it("adds the studio's toggles to the user's enable list, once, keeping their other flags", () => {
    expect(dawnFlags(undefined)).toEqual([
      'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia',
    ]);
    expect(
      dawnFlags(
        'disable-dawn-features=timestamp_quantization enable-dawn-features=dump_shaders,allow_unsafe_apis',
      ),
    ).toEqual([
      'disable-dawn-features=timestamp_quantization',
      'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,dump_shaders',
    ]);
  });
});

describe('shader directives', () => {
  it('moves enable and diagnostic lines to the top, enables first, each once', () => {
    const code =
      'struct U { a : f32 };\n  diagnostic(off, derivative_uniformity);\nenable f16;\nfn f() {}\n  enable f16;\n';
    const out = hoistDirectives(code).split('\n');
    expect(out.slice(0, 2)).toEqual(['enable f16;', 'diagnostic(off, derivative_uniformity);']);
    expect(out.filter((l) => l.includes('enable')).length).toBe(1);
    expect(out).toContain('struct U { a : f32 };');
  });
});

describe.skipIf(unavailable !== null)('mixed-precision products on webgpu', () => {
  it('rounds operands to f16 and sums in f32 (sizes off the tile, rows past a workgroup)', async () => {
    await tf.setBackend('webgpu');
    for (const [m, k, n] of [
      [70, 50, 33],
      [128, 96, 64],
    ] as const) {
      const av = values([m, k], m + k);
      const bv = values([k, n], n + 7);
      const a = tf.tensor2d(av, [m, k]);
      const b = tf.tensor2d(bv, [k, n]);
      setMixedPrecision(true);
      const y = tf.matMul(a, b);
      const got = await y.data();
      expect(mixedProductCount()).toBe(1);
      setMixedPrecision(false);
      const plain = await tf.matMul(a, b).data();
      const half = reference(av, bv, m, k, n, toF16);
      const full = reference(av, bv, m, k, n, (x) => x);
      const toHalf = maxDiff(got, half);
      const toFull = maxDiff(got, full);
      // f32 sums of k terms of size ~1: a few 1e-6; rounding the operands moves the result by ~1e-3.
      expect(toHalf).toBeLessThan(2e-5);
      expect(toFull).toBeGreaterThan(20 * toHalf);
      expect(maxDiff(plain, full)).toBeLessThan(2e-5);
      tf.dispose([a, b, y]);
    }
  });

  it('takes transposed operands, batches (one side broadcast), bias and relu like tf.js, values within f16 rounding', async () => {
    await tf.setBackend('webgpu');
    const a = tf.tensor3d(values([3, 40, 24], 1), [3, 40, 24]);
    const b = tf.tensor3d(values([1, 36, 24], 2), [1, 36, 24]);
    const bias = tf.tensor1d(values([36], 3));
    const run = () =>
      tf.tidy(() => [
        tf.matMul(a, b, false, true),
        tf.matMul(a.transpose([0, 2, 1]), b, true, true),
        tf.fused.matMul({
          a: a.reshape([120, 24]),
          b: b.reshape([36, 24]),
          transposeB: true,
          bias,
          activation: 'relu',
        }),
      ]);
    const want = run();
    setMixedPrecision(true);
    const got = run();
    expect(mixedProductCount()).toBe(3);
    for (let i = 0; i < want.length; i++) {
      const w = await (want[i] as tf.Tensor).data();
      const g = await (got[i] as tf.Tensor).data();
      expect((got[i] as tf.Tensor).shape).toEqual((want[i] as tf.Tensor).shape);
      // Operands of size ~1 rounded to 11 bits, 24 terms: differences of a few 1e-3, never more than 1e-2.
      expect(maxDiff(g, w)).toBeLessThan(1e-2);
      expect(maxDiff(g, w)).toBeGreaterThan(0);
    }
    tf.dispose([a, b, bias, ...want, ...got]);
  });

  it("passes main the workgroup and subgroup ids from tf.js's own entry point when a program asks", async () => {
    await tf.setBackend('webgpu');
    const program = {
      name: 'entry-builtins',
      shaderKey: 'studio_test_entry_builtins',
      variableNames: ['X'],
      outputShape: [128],
      dispatchLayout: { x: [] as number[], y: [0] },
      dispatch: [2, 1, 1] as [number, number, number],
      workgroupSize: [64, 1, 1] as [number, number, number],
      getUserCode: () => `
        enable subgroups;
        ${ENTRY_BUILTINS}
        fn main(wgId : vec3<u32>, sgId : u32) {
          // (uniforms read too: tf.js binds them, and an unread binding is left out of the layout)
          result[i32(wgId.x) * 64 + i32(localIndex)] = f32(wgId.x * 1000u + sgId * 10u) + X[0] + f32(uniforms.xShape) * 0.0;
        }`,
    };
    const x = tf.tensor1d([0.5]);
    const y = runProgram(program, [x]);
    const out = await y.data();
    for (let i = 0; i < 128; i++) {
      const wg = Math.floor(i / 64);
      const sg = Math.round(((out[i] as number) - 0.5 - wg * 1000) / 10);
      // Subgroup ids count from 0 within each workgroup, fewer than its 64 invocations.
      expect(sg).toBeGreaterThanOrEqual(0);
      expect(sg).toBeLessThan(64);
    }
    expect(new Set(Array.from(out.slice(0, 64))).size).toBeGreaterThan(1);
    tf.dispose([x, y]);
  });

  it("applies each activation as tf.js 4.22's fused product does (mixed-matmul.ts restates its formulas)", async () => {
    await tf.setBackend('webgpu');
    // Outputs of both signs and beyond 6, so every branch of every formula is taken.
    const a = tf.tensor2d(values([40, 24], 11, 2), [40, 24]);
    const b = tf.tensor2d(values([24, 36], 12, 2), [24, 36]);
    const bias = tf.tensor1d(values([36], 13));
    const prelu = tf.tensor1d(values([36], 14, 0.5));
    const acts = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
    for (const activation of acts) {
      const run = () =>
        tf.fused.matMul({
          a,
          b,
          bias,
          activation,
          ...(activation === 'prelu' ? { preluActivationWeights: prelu } : {}),
          ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.3 } : {}),
        });
      const want = run();
      setMixedPrecision(true);
      const got = run();
      expect(mixedProductCount(), activation).toBe(1);
      setMixedPrecision(false);
      const w = await want.data();
      const g = await got.data();
      const scale = Math.max(...Array.from(w, Math.abs));
      // f16 operands move outputs of size ~10 by ~1e-2; a wrong formula moves some by more than 1e-1.
      expect(maxDiff(g, w) / scale, activation).toBeLessThan(2e-3);
      tf.dispose([want, got]);
    }
    tf.dispose([a, b, bias, prelu]);
  });

  it("leaves a thin product with a long inner size (LoRA's rank-r ones) to tf.js's f32 programs", async () => {
    await tf.setBackend('webgpu');
    const x = tf.tensor2d(values([300, 40], 21), [300, 40]);
    const r = tf.tensor2d(values([300, 8], 22), [300, 8]);
    const want = await tf.matMul(x, r, true, false).data();
    setMixedPrecision(true);
    // [40, 300] x [300, 8]: an output side of 8 (< 64) and an inner size of 300 (>= 256).
    const thin = tf.matMul(x, r, true, false);
    expect(mixedProductCount()).toBe(0);
    expect(maxDiff(await thin.data(), want)).toBe(0);
    // A thin product with a short inner size ([8, 40] x [40, 40]) is mixed.
    const r40 = r.slice([0, 0], [40, 8]);
    const x40 = x.slice([0, 0], [40, 40]);
    const mixed = tf.matMul(r40, x40, true, false);
    expect(mixedProductCount()).toBe(1);
    tf.dispose([x, r, thin, r40, x40, mixed]);
  });

  it('reads an operand cast from int32 (a one-hot, whose data stays int32 on webgpu)', async () => {
    await tf.setBackend('webgpu');
    const ids = tf.tensor1d([0, 2, 1, 2], 'int32');
    const hot = tf.oneHot(ids, 3).cast('float32') as tf.Tensor2D;
    const dy = tf.tensor2d(values([4, 5], 9), [4, 5]);
    const want = await tf.matMul(hot, dy, true, false).data();
    setMixedPrecision(true);
    const y = tf.matMul(hot, dy, true, false);
    expect(mixedProductCount()).toBe(1);
    expect(maxDiff(await y.data(), want)).toBeLessThan(2e-3);
    tf.dispose([ids, hot, dy, y]);
  });

  it('gradients flow through the mixed products (the backward products are mixed too)', async () => {
    await tf.setBackend('webgpu');
    const x = tf.tensor2d(values([16, 32], 5), [16, 32]);
    const w = tf.tensor2d(values([32, 8], 6), [32, 8]);
    const f = (xx: tf.Tensor, ww: tf.Tensor) =>
      tf
        .matMul(xx as tf.Tensor2D, ww as tf.Tensor2D)
        .square()
        .sum();
    const [gx0, gw0] = tf.grads(f)([x, w]);
    setMixedPrecision(true);
    const [gx1, gw1] = tf.grads(f)([x, w]);
    expect(mixedProductCount()).toBe(3);
    const scale = Math.max(...(await (gw0 as tf.Tensor).abs().data()));
    expect(maxDiff(await (gw1 as tf.Tensor).data(), await (gw0 as tf.Tensor).data()) / scale).toBeLessThan(
      5e-3,
    );
    expect(maxDiff(await (gx1 as tf.Tensor).data(), await (gx0 as tf.Tensor).data())).toBeLessThan(5e-2);
    tf.dispose([x, w, gx0 as tf.Tensor, gw0 as tf.Tensor, gx1 as tf.Tensor, gw1 as tf.Tensor]);
  });

  it("the engine's gradient products take transposed operands as flags when mixed, explicit transposes when not", async () => {
    await tf.setBackend('webgpu');
    const chain = productChain();
    const f32 = await chain.run();
    expect(f32.kernels.filter((k) => k === 'Transpose')).toHaveLength(3);
    setMixedPrecision(true);
    const mixed = await chain.run();
    expect(mixed.kernels).not.toContain('Transpose');
    expect(mixedProductCount()).toBe(5); // two forward, three backward
    for (const [i, g] of mixed.grads.entries()) {
      const want = f32.grads[i] as Float32Array;
      const scale = Math.max(...Array.from(want, Math.abs));
      expect(maxDiff(g, want) / scale).toBeLessThan(5e-3);
    }
    chain.dispose();
  });
});
