/**
 * The register-tiled f32 product (engine/webgpu/f32-matmul.ts) against a CPU reference summed in f64: every
 * transpose, sizes off the tile, batches with one side broadcast, tf.js's epilogues, several tilings, an operand
 * cast from int32, the same bits every run, and the engine's gradients taking transposed operands as flags. Run on
 * lavapipe in CI.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_F32_TILING,
  f32TilingFor,
  f32TilingProblem,
  setF32Tiling,
  SMALL_F32_TILING,
} from '../../../../src-main/engine/webgpu/f32-matmul.ts';
import type { F32Tiling } from '../../../../src-main/engine/webgpu/f32-matmul.ts';
import {
  lastMixedVariant,
  mixedProductCount,
  setF32Products,
} from '../../../../src-main/engine/webgpu/mixed-precision.ts';
import { maxDiff, productChain, reference, values } from '../../../helpers/product-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu f32 product tests skipped: ${unavailable}`);

afterEach(() => {
  if (!unavailable) setF32Products(false);
  setF32Tiling(null);
});
afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

describe('f32 product tilings', () => {
  it('accepts blocks of whole vec4s with 32 to 256 invocations and even staging, and says why not', () => {
    expect(f32TilingProblem(DEFAULT_F32_TILING)).toBeNull();
    expect(f32TilingProblem({ bm: 64, bn: 64, tm: 4, tn: 4, bk: 8 })).toBeNull();
    expect(f32TilingProblem({ bm: 64, bn: 64, tm: 6, tn: 4, bk: 8 })).toMatch(/multiples of 4/);
    expect(f32TilingProblem({ bm: 256, bn: 128, tm: 4, tn: 4, bk: 8 })).toMatch(/2048 invocations/);
    expect(f32TilingProblem({ bm: 64, bn: 64, tm: 4, tn: 4, bk: 0 })).toMatch(/positive integer/);
    expect(() => setF32Tiling({ bm: 64, bn: 60, tm: 8, tn: 8, bk: 8 })).toThrow(/bn of tn/);
    // 16·(132 + 132)·4 bytes of staged operands: more than every WebGPU device offers.
    expect(f32TilingProblem({ bm: 128, bn: 128, tm: 8, tn: 8, bk: 16 })).toMatch(/16896 bytes/);
  });

  it('takes small tiles where the default ones would be few, unless a bench forces one', () => {
    // [2048, 3072]: 16 x 48 tiles of 128 x 64. [768, 768]: 6 x 12, too few for a large GPU.
    expect(f32TilingFor(2048, 3072, 1)).toEqual(DEFAULT_F32_TILING);
    expect(f32TilingFor(768, 768, 1)).toEqual(SMALL_F32_TILING);
    expect(f32TilingFor(768, 768, 4)).toEqual(DEFAULT_F32_TILING);
    const forced = { bm: 64, bn: 128, tm: 8, tn: 8, bk: 8 };
    setF32Tiling(forced);
    expect(f32TilingFor(768, 768, 1)).toEqual(forced);
  });
});

describe.skipIf(unavailable !== null)('f32 products on webgpu', () => {
  const tilings: F32Tiling[] = [
    DEFAULT_F32_TILING,
    SMALL_F32_TILING,
    { bm: 64, bn: 64, tm: 4, tn: 4, bk: 8 },
    { bm: 64, bn: 128, tm: 8, tn: 8, bk: 8 },
  ];

  it.each(tilings)(
    'every transpose, sizes off the tile, equal to an f64 sum within f32 rounding (%o)',
    async (t) => {
      await tf.setBackend('webgpu');
      setF32Tiling(t);
      const [m, k, n] = [130, 37, 70];
      const av = values([m, k], 1);
      const bv = values([k, n], 2);
      const want = reference(av, bv, m, k, n);
      const a = tf.tensor2d(av, [m, k]);
      const b = tf.tensor2d(bv, [k, n]);
      const aT = a.transpose();
      const bT = b.transpose();
      setF32Products(true);
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const y = tf.matMul(tA ? aT : a, tB ? bT : b, tA, tB);
        expect(y.shape).toEqual([m, n]);
        // f32 sums of 37 terms of size ~1: a few 1e-6 from the f64 sum; a wrong index is off by ~1.
        expect(maxDiff(await y.data(), want), `${tA} ${tB}`).toBeLessThan(1e-5);
        y.dispose();
      }
      expect(mixedProductCount()).toBe(4);
      expect(lastMixedVariant()).toBe('f32-tiled');
      tf.dispose([a, b, aT, bT]);
    },
  );

  it('runs a long inner size across many k slices, the same bits every run', async () => {
    await tf.setBackend('webgpu');
    const [m, k, n] = [96, 600, 72];
    const av = values([m, k], 3);
    const bv = values([k, n], 4);
    const a = tf.tensor2d(av, [m, k]);
    const b = tf.tensor2d(bv, [k, n]);
    setF32Products(true);
    const y1 = await tf.matMul(a, b).data();
    const y2 = await tf.matMul(a, b).data();
    expect(maxDiff(y1, reference(av, bv, m, k, n))).toBeLessThan(5e-5);
    expect(Array.from(y2)).toEqual(Array.from(y1));
    tf.dispose([a, b]);
  });

  it('batches (one side broadcast), bias and every activation tf.js fuses, like tf.js', async () => {
    await tf.setBackend('webgpu');
    const a = tf.tensor3d(values([3, 40, 24], 5, 2), [3, 40, 24]);
    const b = tf.tensor3d(values([1, 36, 24], 6, 2), [1, 36, 24]);
    const a2 = a.reshape([120, 24]) as tf.Tensor2D;
    const b2 = b.reshape([36, 24]) as tf.Tensor2D;
    const bias = tf.tensor1d(values([36], 7));
    const prelu = tf.tensor1d(values([36], 8, 0.5));
    const acts = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
    const run = () =>
      tf.tidy(() => [
        tf.matMul(a, b, false, true),
        tf.matMul(a.transpose([0, 2, 1]), b, true, true),
        ...acts.map((activation) =>
          tf.fused.matMul({
            a: a2,
            b: b2,
            transposeB: true,
            bias,
            activation,
            ...(activation === 'prelu' ? { preluActivationWeights: prelu } : {}),
            ...(activation === 'leakyrelu' ? { leakyreluAlpha: 0.3 } : {}),
          }),
        ),
      ]);
    const want = run();
    setF32Products(true);
    const got = run();
    expect(mixedProductCount()).toBe(2 + acts.length);
    for (let i = 0; i < want.length; i++) {
      expect((got[i] as tf.Tensor).shape).toEqual((want[i] as tf.Tensor).shape);
      // Both in f32, summed in other orders: 24 terms of size ~4 differ by a few 1e-6.
      expect(maxDiff(await (got[i] as tf.Tensor).data(), await (want[i] as tf.Tensor).data())).toBeLessThan(
        5e-5,
      );
    }
    tf.dispose([a, b, a2, b2, bias, prelu, ...want, ...got]);
  });

  it('reads an operand cast from int32 (a one-hot, whose data stays int32 on webgpu)', async () => {
    await tf.setBackend('webgpu');
    const ids = tf.tensor1d([0, 2, 1, 2], 'int32');
    const hot = tf.oneHot(ids, 3).cast('float32') as tf.Tensor2D;
    const dy = tf.tensor2d(values([4, 5], 9), [4, 5]);
    const want = await tf.matMul(hot, dy, true, false).data();
    setF32Products(true);
    const y = tf.matMul(hot, dy, true, false);
    expect(mixedProductCount()).toBe(1);
    expect(maxDiff(await y.data(), want)).toBeLessThan(1e-6);
    tf.dispose([ids, hot, dy, y]);
  });

  it("the engine's gradient products take transposed operands as flags, with no transpose dispatch", async () => {
    await tf.setBackend('webgpu');
    const chain = productChain();
    const plain = await chain.run();
    expect(plain.kernels.filter((k) => k === 'Transpose')).toHaveLength(3);
    setF32Products(true);
    const tiled = await chain.run();
    expect(tiled.kernels).not.toContain('Transpose');
    expect(mixedProductCount()).toBe(5); // two forward, three backward
    for (const [i, g] of tiled.grads.entries()) {
      const want = plain.grads[i] as Float32Array;
      const scale = Math.max(...Array.from(want, Math.abs));
      expect(maxDiff(g, want) / scale).toBeLessThan(1e-5);
    }
    chain.dispose();
  });
});
