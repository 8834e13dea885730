/**
 * The thin-output product program (engine/webgpu/thin-matmul.ts: LoRA's rank-r products and their gradients)
 * against tf.js's own product: every operand layout, ranks 1 to 16, sizes that leave partial workgroups, the same
 * bits on every run, and the gradients of a LoRA-shaped branch. On lavapipe in CI; skipped where no WebGPU adapter
 * exists.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lowRankAdd } from '../../../../src-main/engine/ops/low-rank.ts';
import { matMul } from '../../../../src-main/engine/ops/matmul.ts';
import { setThinMatMul, thinSpec } from '../../../../src-main/engine/webgpu/thin-matmul.ts';
import { relErr, seeded } from '../../../helpers/grad-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu thin-product tests skipped: ${unavailable}`);

afterEach(() => setThinMatMul(true));
afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

/** The product on webgpu with the thin program on or off, and which programs ran. */
async function product(
  a: tf.Tensor,
  b: tf.Tensor,
  tA: boolean,
  tB: boolean,
  thin: boolean,
): Promise<{ values: Float32Array; programs: string[] }> {
  setThinMatMul(thin);
  const programs: string[] = [];
  const profile = await tf.profile(() => tf.matMul(a, b, tA, tB));
  for (const k of profile.kernels) programs.push(k.name);
  const out = tf.matMul(a, b, tA, tB);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return { values, programs };
}

describe.skipIf(unavailable !== null)('thin webgpu products', () => {
  it('maps each layout to the program that reads its operands in place', () => {
    // x·A, dy·Bᵀ: the large operand's rows along the inner dimension.
    expect(thinSpec(2048, 8, 768, false, false)).toMatchObject({ big: 'mk', small: 'kr', out: 'mr', r: 8 });
    expect(thinSpec(2048, 8, 768, false, true)).toMatchObject({ big: 'mk', small: 'rk', out: 'mr' });
    // xᵀ·dh: the large operand transposed; hᵀ·dy: the thin side is m, so the transpose is written.
    expect(thinSpec(768, 8, 2048, true, false)).toMatchObject({ big: 'km', small: 'kr', out: 'mr' });
    expect(thinSpec(8, 768, 2048, true, false)).toMatchObject({ big: 'km', small: 'kr', out: 'rm', m: 768 });
    expect(thinSpec(8, 768, 2048, false, true)).toMatchObject({ big: 'mk', small: 'rk', out: 'rm' });
  });

  it('equals tf.js product for every transpose, thin side and rank, with partial workgroups', async () => {
    await tf.setBackend('webgpu');
    let seed = 1;
    for (const r of [1, 8, 16])
      for (const [big, k] of [
        [37, 300],
        [130, 257],
      ] as const)
        for (const thinSide of ['n', 'm'] as const)
          for (const tA of [false, true])
            for (const tB of [false, true]) {
              const [m, n] = thinSide === 'n' ? [big, r] : [r, big];
              const a = seeded(tA ? [k, m] : [m, k], seed++);
              const b = seeded(tB ? [n, k] : [k, n], seed++);
              const thin = await product(a, b, tA, tB, true);
              const ref = await product(a, b, tA, tB, false);
              const where = `r=${r} m=${m} n=${n} k=${k} tA=${tA} tB=${tB}`;
              expect(thin.values.length, where).toBe(m * n);
              expect(relErr([...thin.values], [...ref.values]), where).toBeLessThan(1e-5);
              expect(thin.programs, where).toEqual(['BatchMatMul']);
              tf.dispose([a, b]);
            }
  });

  it('gives the same bits every run, splits weight gradients in two passes, leaves wide or short-inner products to tf.js', async () => {
    await tf.setBackend('webgpu');
    const a = seeded([900, 512], 5);
    const w = seeded([512, 8], 6);
    const first = tf.matMul(a, w);
    const again = tf.matMul(a, w);
    expect([...(await again.data())]).toEqual([...(await first.data())]);
    // The shaders that ran: the thin one for a rank-8 product, tf.js's for a wide one or a short inner size.
    const keys = async (f: () => tf.Tensor) => {
      const before = new Set(Object.keys(pipelines()));
      tf.dispose(f());
      return Object.keys(pipelines()).filter((k) => !before.has(k));
    };
    expect((await keys(() => tf.matMul(seeded([70, 512], 7), seeded([512, 9], 8)))).join()).toMatch(
      /studio_thin_matmul/,
    );
    // A weight gradient xᵀ·dh (the large operand read along its rows' output side): the two split passes.
    expect(
      (await keys(() => tf.matMul(seeded([512, 70], 7), seeded([512, 9], 8), true, false))).join(),
    ).toMatch(/studio_thin_partial.*studio_thin_sum/);
    const x = seeded([700, 90], 9);
    const dh = seeded([700, 8], 10);
    const grad = await tf.matMul(x, dh, true, false).data();
    expect([...(await tf.matMul(x, dh, true, false).data())]).toEqual([...grad]);
    tf.dispose([x, dh]);
    expect((await keys(() => tf.matMul(seeded([70, 512], 7), seeded([512, 40], 8)))).join()).not.toMatch(
      /studio_thin_matmul/,
    );
    expect((await keys(() => tf.matMul(seeded([70, 64], 7), seeded([64, 11], 8)))).join()).not.toMatch(
      /studio_thin_matmul/,
    );
    tf.dispose([a, w, first, again]);
  });

  it('reads an operand cast from int32, whose buffer tf.js keeps as int32 (one-hot embedding gradients)', async () => {
    await tf.setBackend('webgpu');
    const ids = tf.tensor1d(
      [...Array(3000).keys()].map((i) => (i * 7) % 3),
      'int32',
    );
    // Large enough that tf.js runs oneHot on the GPU (smaller tensors go to its CPU path, which casts for real).
    const hot = tf.oneHot(ids, 3).cast('float32');
    const dy = seeded([3000, 40], 31);
    const thin = await product(hot, dy, true, false, true);
    const ref = await product(hot, dy, true, false, false);
    expect(relErr([...thin.values], [...ref.values])).toBeLessThan(1e-6);
    tf.dispose([ids, hot, dy]);
  });

  it("a LoRA branch's value and gradients through ops/matMul equal the composed f32 products", async () => {
    await tf.setBackend('webgpu');
    const x = seeded([300, 256], 11);
    const A = seeded([256, 8], 12);
    const B = seeded([8, 256], 13);
    const dy = seeded([300, 256], 14);
    const run = async (thin: boolean) => {
      setThinMatMul(thin);
      const g = tf.grads((xx, aa, bb) =>
        matMul(matMul(xx as tf.Tensor2D, aa as tf.Tensor2D), bb as tf.Tensor2D)
          .mul(dy)
          .sum(),
      );
      const grads = g([x, A, B]);
      const out = await Promise.all(grads.map(async (t) => [...(await t.data())]));
      tf.dispose(grads);
      return out;
    };
    const thin = await run(true);
    const ref = await run(false);
    thin.forEach((g, i) => expect(relErr(g, ref[i] as number[]), `gradient ${i}`).toBeLessThan(1e-5));
    tf.dispose([x, A, B, dy]);
  });
});

/** tf.js's compiled pipelines, keyed by shader key (the backend's cache; not public API). */
function pipelines(): Record<string, unknown> {
  const backend = tf.backend() as unknown as { pipelineCache: Record<string, unknown> };
  return backend.pipelineCache;
}

describe.skipIf(unavailable !== null)('LoRA branch with the scale in the thin products', () => {
  it('y + scale·(x·a)·b: value and the gradients of x, y, a and b equal the composed form, a frozen or not', async () => {
    await tf.setBackend('webgpu');
    const x = seeded([300, 256], 21);
    const y = seeded([300, 320], 22);
    const dOut = seeded([300, 320], 23);
    for (const frozenA of [false, true]) {
      const a = tf.variable(seeded([256, 8], 24), !frozenA) as tf.Variable<tf.Rank.R2>;
      const b = tf.variable(seeded([8, 320], 25)) as tf.Variable<tf.Rank.R2>;
      const run = async (thin: boolean) => {
        setThinMatMul(thin);
        const f = () => lowRankAdd(x as tf.Tensor2D, a, b, y as tf.Tensor2D, 0.37);
        const value = [...(await f().data())];
        const { grads } = tf.variableGrads(() => f().mul(dOut).sum() as tf.Scalar, frozenA ? [b] : [a, b]);
        const [dx, dy] = tf.grads((xx, yy) =>
          lowRankAdd(xx as tf.Tensor2D, a, b, yy as tf.Tensor2D, 0.37)
            .mul(dOut)
            .sum(),
        )([x, y]);
        const all = [
          value,
          ...(await Promise.all([...Object.values(grads), dx!, dy!].map(async (t) => [...(await t.data())]))),
        ];
        tf.dispose([...Object.values(grads), dx!, dy!]);
        return all;
      };
      const thin = await run(true);
      const ref = await run(false);
      expect(thin.length).toBe(frozenA ? 4 : 5);
      thin.forEach((v, i) =>
        expect(relErr(v, ref[i] as number[]), `frozenA=${frozenA} output ${i}`).toBeLessThan(1e-5),
      );
      tf.dispose([a, b]);
    }
    tf.dispose([x, y, dOut]);
  });
});
