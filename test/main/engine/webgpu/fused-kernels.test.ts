/**
 * Our fused WebGPU kernels (engine/webgpu: layer norm, GELU, AdamW) against the composed tf.js forms on the cpu
 * backend: values and gradients. Run on a real GPU or on lavapipe; skipped, with the reason, where no WebGPU
 * adapter exists.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { sparseSoftmaxCrossEntropy } from '../../../../src-main/engine/ops/cross-entropy.ts';
import {
  embeddingLookupByProducts,
  gelu,
  layerNorm,
  rmsNorm,
} from '../../../../src-main/engine/ops/index.ts';
import { globalNorm } from '../../../../src-main/training/gradients.ts';
import { gpuAddInOrder } from '../../../../src-main/engine/webgpu/add-n.ts';
import { AdamW } from '../../../../src-main/training/adamw.ts';
import { expectCrossEntropyAsOneHot } from '../../../helpers/cross-entropy-check.ts';
import { relErr, sameAsReference, seeded } from '../../../helpers/grad-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu fused-kernel tests skipped: ${unavailable}`);
const expectSame = sameAsReference({ inputs: 31, weights: 57 });
const ON_GPU = ['webgpu'];

afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

const composedLayerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(eps).sqrt()).mul(g).add(b);
};

describe.skipIf(unavailable !== null)('fused webgpu kernels', () => {
  it('layer norm with trained gamma and beta: values and all three gradients (rows shorter and longer than a workgroup)', async () => {
    for (const d of [40, 300]) {
      await expectSame(
        (x, g, b) => layerNorm(x, g as tf.Tensor, b as tf.Tensor, 1e-5),
        (x, g, b) => composedLayerNorm(x, g as tf.Tensor, b as tf.Tensor, 1e-5),
        [[2, 3, d], [d], [d]],
        1e-4, // the compared value sums 1,800 weighted outputs whose elements agree within 2.4e-7
        ON_GPU,
      );
    }
  });

  it('layer norm with frozen gamma and beta (adapter training): x gradient only, one kernel each way', async () => {
    await tf.setBackend('webgpu');
    const gamma = tf.variable(seeded([64], 3).add(1), false);
    const beta = tf.variable(seeded([64], 4), false);
    await expectSame(
      (x) => layerNorm(x, gamma, beta, 1e-12),
      (x) => composedLayerNorm(x, gamma, beta, 1e-12),
      [[5, 64]],
      1e-5,
      ON_GPU,
    );
    const x = seeded([5, 64], 8);
    const kernels = (await tf.profile(() => layerNorm(x, gamma, beta, 1e-12))).kernels.map((k) => k.name);
    expect(kernels).not.toContain('Mean');
    tf.dispose([x, gamma, beta]);
  });

  it('RMS norm, trained and frozen weight: values and gradients', async () => {
    const composed = (x: tf.Tensor, w: tf.Tensor) =>
      x.mul(x.square().mean(-1, true).add(1e-6).rsqrt()).mul(w);
    await expectSame(
      (x, w) => rmsNorm(x, w as tf.Tensor, 1e-6),
      (x, w) => composed(x, w as tf.Tensor),
      [[3, 2, 200], [200]],
      1e-4,
      ON_GPU,
    );
    await tf.setBackend('webgpu');
    const weight = tf.variable(seeded([48], 6).add(1), false);
    await expectSame(
      (x) => rmsNorm(x, weight, 1e-6),
      (x) => composed(x, weight),
      [[4, 48]],
      1e-5,
      ON_GPU,
    );
    weight.dispose();
  });

  it('GELU, exact and tanh forms: values and gradients over a wide range', async () => {
    for (const kind of ['erf', 'tanh'] as const) {
      await expectSame(
        (x) => gelu(x.mul(5), kind),
        (x) => {
          const a = x.mul(5);
          return kind === 'erf'
            ? a.mul(tf.erf(a.mul(Math.SQRT1_2)).add(1)).mul(0.5)
            : a
                .mul(tf.tanh(a.add(a.mul(a).mul(a).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1))
                .mul(0.5);
        },
        [[7, 129]],
        1e-5,
        ON_GPU,
      );
    }
  });

  it('AdamW updates weights and moments as the composed update does (decayed and undecayed weights)', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const params = new Map([
        ['layer.weight', tf.variable(seeded([33, 5], 1))],
        ['layer.bias', tf.variable(seeded([5], 2))],
      ]);
      const opt = new AdamW({ weightDecay: 0.1 });
      for (let s = 0; s < 3; s++) {
        const grads = new Map([...params].map(([n, p], i) => [n, seeded(p.shape, 10 * s + i)]));
        opt.apply(params, grads, 1e-2);
        tf.dispose([...grads.values()]);
      }
      const out = await Promise.all(
        [...params.values(), ...opt.stateVariables()].map(async (t) => Array.from(await t.data())),
      );
      tf.dispose([...params.values()]);
      opt.dispose();
      return out;
    };
    const want = await run('cpu');
    const got = await run('webgpu');
    got.forEach((g, i) => expect(relErr(g, want[i] ?? [])).toBeLessThan(1e-5));
  });

  it('embedding gradients as one-hot products equal the scatter-add, in one block and in several', async () => {
    const ids = [3, 3, 3, 0, 9, 3, 1, 9, 3, 3, 2, 0];
    for (const block of [1 << 25, 40]) {
      await expectSame(
        (table) => embeddingLookupByProducts(table, tf.tensor2d(ids, [3, 4], 'int32'), block),
        (table) => tf.gather(table, tf.tensor2d(ids, [3, 4], 'int32')),
        [[11, 6]],
        1e-5,
        ON_GPU,
      );
    }
  });

  it("gradient contributions added in one kernel per seven: tf.js's chain of Adds, bit for bit", async () => {
    await tf.setBackend('webgpu');
    for (const count of [2, 7, 9, 15]) {
      const xs = tf.tidy(() =>
        Array.from({ length: count }, (_, i) => seeded([3, 37], 70 + i).mul(10 ** (i % 5))),
      );
      const chain = xs.slice(1).reduce((acc: tf.Tensor, x) => tf.add(acc, x), xs[0] as tf.Tensor);
      const fused = gpuAddInOrder(xs) as tf.Tensor;
      expect(fused.shape).toEqual([3, 37]);
      expect(Array.from(await fused.data())).toEqual(Array.from(await chain.data()));
      tf.dispose([...xs, chain, fused]);
    }
  });

  it('global gradient norm: seven gradients per kernel, chunks of any size, the value of the composed sum', async () => {
    // 17 gradients: three dispatches of up to seven; some span several 2,048-element chunks, one is empty.
    const shapes = [[300, 7], [5], [2, 3, 129], [1], [3000, 5], [0], [64], [17, 33], [4097], [2], [8, 8]];
    shapes.push(...shapes.slice(0, 6));
    const norm = async (backend: string) => {
      await tf.setBackend(backend);
      const grads = new Map(shapes.map((s, i) => [String(i), seeded(s, 40 + i)]));
      const n = globalNorm(grads);
      const v = (await n.data())[0] ?? NaN;
      tf.dispose([n, ...grads.values()]);
      return v;
    };
    const want = await norm('cpu');
    expect(Math.abs((await norm('webgpu')) - want) / want).toBeLessThan(1e-6);
  });
  it('cross-entropy against class ids: one kernel forward, one backward, the values and logit gradient of the one-hot form', async () => {
    await expectCrossEntropyAsOneHot(ON_GPU);
    await tf.setBackend('webgpu');
    const x = seeded([4, 64], 9);
    const t = tf.tensor1d([1, 2, 3, 4], 'int32');
    const kernels = (await tf.profile(() => sparseSoftmaxCrossEntropy(x as tf.Tensor2D, t))).kernels;
    expect(kernels.map((k) => k.name)).not.toContain('Exp');
    tf.dispose([x, t]);
  });
});
