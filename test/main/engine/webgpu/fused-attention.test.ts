/**
 * The fused attention kernels (engine/webgpu/attention.ts) against the composed form on the cpu backend: values and
 * gradients of q, k and v with padding and causal biases, grouped-query heads, keys longer than queries (prefixes)
 * and head sizes up to 128; the decode kernel for one query row. On a real GPU or on lavapipe; skipped, with the
 * reason, where no WebGPU adapter exists.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { attentionHeads, multiHeadAttention } from '../../../../src-main/engine/ops/index.ts';
import { fusedAttention } from '../../../../src-main/engine/webgpu/attention.ts';
import type { AttentionOptions } from '../../../../src-main/engine/ops/index.ts';
import { attentionBias } from '../../../../src-main/models/base/layers.ts';
import { relErr, sameAsReference, seeded } from '../../../helpers/grad-check.ts';
import type { Fn } from '../../../helpers/grad-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu fused-attention tests skipped: ${unavailable}`);
const expectSame = sameAsReference({ inputs: 11, weights: 23 });
const ON_GPU = ['webgpu'];

afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});
afterEach(() => {
  delete process.env.STUDIO_FUSED_ATTENTION;
});

interface Case {
  name: string;
  /** batch, heads, key/value heads, queries, keys, head size */
  dims: [number, number, number, number, number, number];
  /** The 0/1 key mask of each sequence (null: none) and whether the bias is causal too. */
  mask: number[][] | null;
  causal: boolean;
}

const GROUPED: Case = {
  name: 'causal, padding, grouped-query heads and prefix keys',
  dims: [2, 4, 2, 5, 7, 8],
  mask: [
    [1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0],
  ],
  causal: true,
};

const CASES: Case[] = [
  {
    name: 'padding',
    dims: [2, 3, 3, 6, 6, 8],
    mask: [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0],
    ],
    causal: false,
  },
  { name: 'causal without a mask', dims: [1, 2, 2, 5, 5, 16], mask: null, causal: true },
  GROUPED,
  {
    name: 'no bias, head size 128, more rows than a workgroup',
    dims: [1, 2, 1, 70, 70, 128],
    mask: null,
    causal: false,
  },
  // Several invocations per row where subgroups exist (four on lavapipe), with every other feature.
  { ...GROUPED, name: `head size 64: ${GROUPED.name}`, dims: [2, 4, 2, 5, 7, 64] },
  {
    name: 'head size 72 (tiles not dividing it)',
    dims: [1, 1, 1, 9, 9, 72],
    mask: [[1, 1, 1, 1, 1, 1, 1, 0, 0]],
    causal: true,
  },
];

/** The graphs' own bias for a case ([batch|1, 1, queries|1, keys]). */
function biasOf(c: Case): tf.Tensor | null {
  const [batch, , , seq, keys] = c.dims;
  const mask = c.mask ? tf.tensor2d(c.mask, [batch, keys], 'int32') : null;
  return attentionBias(mask, batch, seq, keys, c.causal);
}

const run =
  (c: Case, extra: AttentionOptions = {}) =>
  (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
    attentionHeads(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, {
      bias: biasOf(c),
      scale: 0.3,
      ...extra,
    });

const shapesOf = (c: Case) => {
  const [b, h, kvh, s, kv, d] = c.dims;
  return [
    [b, h, s, d],
    [b, kvh, kv, d],
    [b, kvh, kv, d],
  ];
};

/** Names of the kernels one call runs, forward only (no tape) or forward and backward. */
async function kernelsOf(c: Case, withGrad: boolean): Promise<string[]> {
  await tf.setBackend('webgpu');
  const xs = shapesOf(c).map((s, i) => seeded(s, i));
  const f = run(c);
  const info = await tf.profile(() =>
    withGrad
      ? tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => f(q, k, v).sum())(xs)
      : f(xs[0]!, xs[1]!, xs[2]!),
  );
  tf.dispose([...xs, ...(Array.isArray(info.result) ? info.result : [info.result])]);
  return info.kernels.map((k) => k.name);
}

describe.skipIf(unavailable !== null)('fused attention on webgpu', () => {
  it.each(CASES)('$name: values and q, k, v gradients equal the composed form', async (c) => {
    await expectSame(run(c), run(c), shapesOf(c), 1e-5, ON_GPU);
  });

  it.each([
    ['a number', false],
    ['an int32 tensor (a captured step)', true],
    ['a number, head size 64', false, 4],
  ])(
    'dropout with the seed as %s: the mask the composed form draws, inline',
    async (_label, asTensor, at = 2) => {
      const c = CASES[at] as Case;
      const seed = 0x9e3779b9 | 0;
      const withDropout: Fn = (q, k, v) =>
        run(c, {
          dropoutMask: { rate: 0.25, seed: asTensor ? tf.tensor1d([seed], 'int32') : seed, call: 7 },
        })(q!, k!, v!);
      await expectSame(withDropout, withDropout, shapesOf(c), 1e-5, ON_GPU);
    },
  );

  it('the unrolled kernels real GPUs get (constant loop counts) compute the same', async () => {
    // The tests run on a software adapter, where the kernels loop to a uniform (attention.ts: unrollLoops); unrolled,
    // lavapipe compiles a small head size only in reasonable time.
    const software = process.env.STUDIO_WEBGPU_SOFTWARE;
    delete process.env.STUDIO_WEBGPU_SOFTWARE;
    try {
      // Head size 8 (one invocation a row) and 64 (four invocations a row, lanes of one subgroup).
      for (const c of [CASES[2], CASES[4]] as Case[]) {
        const f: Fn = (q, k, v) => run(c, { dropoutMask: { rate: 0.2, seed: 77, call: 2 } })(q!, k!, v!);
        await expectSame(f, f, shapesOf(c), 1e-5, ON_GPU);
      }
    } finally {
      process.env.STUDIO_WEBGPU_SOFTWARE = software;
    }
  });

  it('dropout changes the values (the mask is applied)', async () => {
    await tf.setBackend('webgpu');
    const c = CASES[0] as Case;
    const xs = shapesOf(c).map((s, i) => seeded(s, i));
    const plain = run(c)(xs[0]!, xs[1]!, xs[2]!);
    const dropped = run(c, { dropoutMask: { rate: 0.5, seed: 5, call: 0 } })(xs[0]!, xs[1]!, xs[2]!);
    expect(relErr(Array.from(await dropped.data()), Array.from(await plain.data()))).toBeGreaterThan(0.1);
    tf.dispose([...xs, plain, dropped]);
  });

  it('runs as one kernel forward and two backward, with no softmax; STUDIO_FUSED_ATTENTION=0 composes it', async () => {
    const c = CASES[2] as Case;
    const fwd = await kernelsOf(c, false);
    expect(fwd).not.toContain('Softmax');
    expect(fwd).not.toContain('BatchMatMul');
    const both = await kernelsOf(c, true);
    expect(both).not.toContain('Softmax');
    expect(both).not.toContain('BatchMatMul');
    process.env.STUDIO_FUSED_ATTENTION = '0';
    expect(await kernelsOf(c, false)).toContain('Softmax');
  });

  it('forward, backward and dispose leave no tensors behind', async () => {
    await tf.setBackend('webgpu');
    const c = CASES[2] as Case;
    const before = tf.memory().numTensors;
    const xs = shapesOf(c).map((s, i) => seeded(s, i));
    // Without and with dropout (whose seed, a number here, becomes a tensor inside the op).
    for (const extra of [{}, { dropoutMask: { rate: 0.1, seed: 3, call: 1 } }]) {
      const { value, grads } = tf.valueAndGrads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        tf.tidy(() => run(c, extra)(q, k, v).square().sum()),
      )(xs);
      const y = tf.tidy(() => run(c, extra)(xs[0]!, xs[1]!, xs[2]!));
      tf.dispose([value, ...grads, y]);
    }
    tf.dispose(xs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('decode: one query row against cached keys (padding, grouped-query heads, more keys than one step)', async () => {
    const keys = 300;
    const c: Case = {
      name: 'decode',
      dims: [2, 4, 2, 1, keys, 64],
      mask: [Array<number>(keys).fill(1), Array.from({ length: keys }, (_, i) => (i < 7 ? 0 : 1))],
      causal: true,
    };
    const values = async (backend: string) => {
      await tf.setBackend(backend);
      const out = tf.tidy(() => {
        const xs = shapesOf(c).map((s, i) => seeded(s, 40 + i));
        return run(c)(xs[0]!, xs[1]!, xs[2]!);
      });
      const data = Array.from(await out.data());
      out.dispose();
      return data;
    };
    expect(relErr(await values('webgpu'), await values('cpu'))).toBeLessThan(1e-5);
    const kernels = await kernelsOf(c, false);
    expect(kernels).not.toContain('Softmax');
  });

  describe('heads read where the projections wrote them ([batch, seq, heads, d] rows)', () => {
    /** A case as rows [batch·seq, heads·d] (key/value heads as many as query heads). */
    const rowsCase = (c: Case) => {
      const [b, h, , s, kv, d] = c.dims;
      const shape = { batch: b, seq: s, heads: h, headDim: d };
      const f: Fn = (q, k, v) =>
        multiHeadAttention(
          q as tf.Tensor2D,
          k as tf.Tensor2D,
          v as tf.Tensor2D,
          shape,
          {
            bias: biasOf(c),
            scale: 0.3,
            dropoutMask: { rate: 0.2, seed: 99, call: 3 },
          },
          kv,
        );
      return {
        f,
        shapes: [
          [b * s, h * d],
          [b * kv, h * d],
          [b * kv, h * d],
        ],
      };
    };
    const sameHeads = CASES.filter((c) => c.dims[1] === c.dims[2]);

    it.each(sameHeads)(
      '$name: values and gradients equal the composed form (which transposes)',
      async (c) => {
        const { f, shapes } = rowsCase(c);
        await expectSame(f, f, shapes, 1e-5, ON_GPU);
      },
    );

    it('runs no transposes forward or backward', async () => {
      await tf.setBackend('webgpu');
      const { f, shapes } = rowsCase(CASES[0] as Case);
      const xs = shapes.map((s, i) => seeded(s, i));
      const info = await tf.profile(() =>
        tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => f(q, k, v).sum())(xs),
      );
      tf.dispose(info.result as tf.Tensor[]);
      const kernels = info.kernels.map((k) => k.name);
      expect(kernels).not.toContain('Transpose');
      expect(kernels.length).toBeGreaterThan(0);
      // The composed form of the same rows transposes heads in and out, forward and backward.
      process.env.STUDIO_FUSED_ATTENTION = '0';
      const composed = await tf.profile(() => f(xs[0]!, xs[1]!, xs[2]!));
      (composed.result as tf.Tensor).dispose();
      expect(composed.kernels.map((k) => k.name)).toContain('Transpose');
      tf.dispose(xs);
    });

    it('grouped-query heads: the same context and gradients as the [batch, heads, seq, d] layout', async () => {
      await tf.setBackend('webgpu');
      const c = CASES[4] as Case;
      const opts = { bias: biasOf(c), scale: 0.3, dropout: { rate: 0.1, seed: 5, call: 1 } };
      const toRows = (t: tf.Tensor) => t.transpose([0, 2, 1, 3]) as tf.Tensor4D;
      const xs = shapesOf(c).map((s, i) => seeded(s, i)) as tf.Tensor4D[];
      const w = seeded([c.dims[0], c.dims[3], c.dims[1], c.dims[5]], 50);
      const heads = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        toRows(fusedAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, opts))
          .mul(w)
          .sum(),
      )(xs);
      const rows = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        fusedAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { ...opts, layout: 'bshd' })
          .mul(w)
          .sum(),
      )(xs.map(toRows));
      for (let i = 0; i < 3; i++) {
        const want = Array.from(await toRows(heads[i] as tf.Tensor).data());
        expect(relErr(Array.from(await (rows[i] as tf.Tensor).data()), want)).toBeLessThan(1e-6);
      }
      tf.dispose([...xs, w, ...heads, ...rows]);
    });
  });
});
