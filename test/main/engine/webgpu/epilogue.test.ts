/**
 * Matmul epilogues on webgpu (engine/ops/matmul-epilogue.ts): x·W + bias and x·W + a full-sized addend in one
 * dispatch, values and gradients equal to the composed product and Add; frozen operands get no gradient product;
 * and a BERT training step dispatches fewer kernels with them than with STUDIO_FUSED_EPILOGUE=0. Run on a real GPU
 * or on lavapipe; skipped, with the reason, where no WebGPU adapter exists.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { linear, linearActivated, linearResidual, matMulAdd } from '../../../../src-main/engine/ops/index.ts';
import type { EpilogueActivation } from '../../../../src-main/engine/ops/index.ts';
import { replaceActivationBody } from '../../../../src-main/engine/webgpu/matmul-activation.ts';
import { loraAdd } from '../../../../src-main/adapters/lora/layer.ts';
import { StepRecorder } from '../../../../src-main/engine/webgpu/step-capture.ts';
import { loadModel } from '../../../../src-main/models/index.ts';
import { benchStep } from '../../../bench/bench-step.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';
import { bottleneck16 } from '../../../helpers/methods.ts';
import { relErr, sameAsReference, seeded } from '../../../helpers/grad-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu epilogue tests skipped: ${unavailable}`);
const expectSame = sameAsReference({ inputs: 71, weights: 73 });
const ON_GPU = ['webgpu'];

afterEach(() => {
  delete process.env.STUDIO_FUSED_EPILOGUE;
});
afterAll(async () => {
  await tf.setBackend(unavailable ? 'cpu' : 'webgpu');
});

/** The kernels tf.js runs for f, by name. */
async function kernelNames(f: () => tf.Tensor): Promise<string[]> {
  return (await tf.profile(() => f())).kernels.map((k) => k.name);
}

describe.skipIf(unavailable !== null)('matmul epilogues on webgpu', () => {
  it('x·W + bias: values and the gradients of x, W and the bias (widths packed by 4 and not)', async () => {
    for (const [rows, inF, outF] of [
      [6, 20, 12],
      [5, 7, 9],
      [130, 64, 33],
    ] as const) {
      await expectSame(
        (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor, b),
        (x, w, b) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(b as tf.Tensor),
        [[rows, inF], [inF, outF], [outF]],
        1e-5,
        ON_GPU,
      );
    }
  });

  it('x·W + a [rows, out] addend (LoRA adds its frozen path so): values and gradients', async () => {
    await expectSame(
      (x, w, r) => matMulAdd(x as tf.Tensor2D, w as tf.Tensor2D, r as tf.Tensor),
      (x, w, r) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(r as tf.Tensor),
      [
        [9, 8],
        [8, 16],
        [9, 16],
      ],
      1e-5,
      ON_GPU,
    );
  });

  it('ReLU in the epilogue, trained: values and the gradients of x, W and the bias', async () => {
    for (const outF of [12, 9]) {
      await expectSame(
        (x, w, b) => linearActivated(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor, 'relu'),
        (x, w, b) => tf.relu(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(b as tf.Tensor)),
        [[10, 16], [16, outF], [outF]],
        1e-5,
        ON_GPU,
      );
    }
  });

  it('GELU (erf, tanh) and SiLU in the epilogue: one dispatch and the composed values where no gradient is recorded', async () => {
    await tf.setBackend('webgpu');
    const composed: Record<EpilogueActivation, (z: tf.Tensor) => tf.Tensor> = {
      relu: (z) => tf.relu(z),
      gelu_erf: (z) => z.mul(tf.erf(z.mul(Math.SQRT1_2)).add(1)).mul(0.5),
      gelu_tanh: (z) =>
        z.mul(tf.tanh(z.add(z.mul(z).mul(z).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1)).mul(0.5),
      silu: (z) => z.mul(tf.sigmoid(z)),
    };
    for (const outF of [12, 9]) {
      const x = seeded([10, 16], 5).mul(3) as tf.Tensor2D;
      const w = seeded([16, outF], 6) as tf.Tensor2D;
      const b = seeded([outF], 7);
      for (const act of ['gelu_erf', 'gelu_tanh', 'silu'] as const) {
        const names = await kernelNames(() => linearActivated(x, w, b, act));
        expect(names, act).toEqual(['_FusedMatMul']);
        const got = linearActivated(x, w, b, act);
        const want = composed[act](tf.matMul(x, w).add(b));
        expect(relErr(Array.from(await got.data()), Array.from(await want.data())), act).toBeLessThan(1e-5);
        tf.dispose([got, want]);
      }
      tf.dispose([x, w, b]);
    }
  });

  it("each of tf.js's matmul programs takes the epilogue: packed, small-output (for split-K shapes), reduce", async () => {
    await tf.setBackend('webgpu');
    // [1, 2100] x [2100, 256]: split-K by tf.js's rule, sent to the small-output program (deterministic-matmul.ts);
    // [1, 2100] x [2100, 64]: 64 outputs, the reduce program; [40, 16] x [16, 36]: the packed program.
    for (const [rows, inF, outF] of [
      [1, 2100, 256],
      [1, 2100, 64],
      [40, 16, 36],
    ] as const) {
      const x = seeded([rows, inF], 8) as tf.Tensor2D;
      const w = seeded([inF, outF], 9).mul(0.05) as tf.Tensor2D;
      const b = seeded([outF], 10);
      for (const act of ['gelu_erf', 'relu'] as const) {
        const got = linearActivated(x, w, b, act);
        const z = tf.matMul(x, w).add(b);
        const want = act === 'relu' ? tf.relu(z) : z.mul(tf.erf(z.mul(Math.SQRT1_2)).add(1)).mul(0.5);
        const err = relErr(Array.from(await got.data()), Array.from(await want.data()));
        expect(err, `${rows}x${inF}x${outF} ${act}`).toBeLessThan(1e-5);
        tf.dispose([got, z, want]);
      }
      tf.dispose([x, w, b]);
    }
  });

  it('x·W + bias + residual in one dispatch where no gradient is recorded; without a bias, trained too', async () => {
    await tf.setBackend('webgpu');
    // Packed (vec4 and not), then one row (a generation step with the KV cache): small-output and reduce programs.
    for (const [rows, inF, outF] of [
      [10, 16, 12],
      [7, 5, 9],
      [1, 64, 256],
      [1, 64, 64],
    ] as const) {
      const x = seeded([rows, inF], 11) as tf.Tensor2D;
      const w = seeded([inF, outF], 12) as tf.Tensor2D;
      const b = seeded([outF], 13);
      const r = seeded([rows, outF], 14) as tf.Tensor2D;
      expect(await kernelNames(() => linearResidual(x, w, b, r))).toEqual(['_FusedMatMul']);
      const got = linearResidual(x, w, b, r);
      const want = tf.matMul(x, w).add(b).add(r);
      expect(relErr(Array.from(await got.data()), Array.from(await want.data()))).toBeLessThan(1e-6);
      tf.dispose([x, w, b, r, got, want]);
    }
    await expectSame(
      (x, w, r) => linearResidual(x as tf.Tensor2D, w as tf.Tensor2D, null, r as tf.Tensor2D),
      (x, w, r) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(r as tf.Tensor),
      [
        [6, 8],
        [8, 12],
        [6, 12],
      ],
      1e-5,
      ON_GPU,
    );
    await expectSame(
      (x, w, b, r) => linearResidual(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor, r as tf.Tensor2D),
      (x, w, b, r) =>
        tf
          .matMul(x as tf.Tensor2D, w as tf.Tensor2D)
          .add(b as tf.Tensor)
          .add(r as tf.Tensor),
      [[6, 8], [8, 12], [12], [6, 12]],
      1e-5,
      ON_GPU,
    );
  });

  it('GELU and SiLU while training: the bias fused, the activation its own op, gradients as composed', async () => {
    for (const act of ['gelu_erf', 'silu'] as const) {
      await expectSame(
        (x, w, b) => linearActivated(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor, act),
        (x, w, b) => {
          const z = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D).add(b as tf.Tensor);
          return act === 'silu' ? z.mul(tf.sigmoid(z)) : z.mul(tf.erf(z.mul(Math.SQRT1_2)).add(1)).mul(0.5);
        },
        [[6, 8], [8, 12], [12]],
        1e-5,
        ON_GPU,
      );
    }
  });

  it('refuses a matmul program with no activation function to fuse into', () => {
    expect(() => replaceActivationBody('fn main() {}', 'return a;')).toThrow(/no activation function/);
    expect(
      replaceActivationBody(
        'fn activation(a : f32) -> f32 { if (a < 0.0) { return 0.0; } return a; }\nfn x() {}',
        'return a;',
      ),
    ).toBe('fn activation(a : f32) -> f32 {return a;\n}\nfn x() {}');
  });

  it('LoRA: y + x·A·(B·scale) with y in the epilogue equals y + x·A·B·scale: values and gradients of x, A, B, y', async () => {
    await expectSame(
      (x, a, b, y) =>
        loraAdd(
          { kind: 'linear', a: a as tf.Variable, b: b as tf.Variable },
          x as tf.Tensor2D,
          y as tf.Tensor2D,
          2.5,
        ),
      (x, a, b, y) =>
        (y as tf.Tensor).add(
          tf.matMul(tf.matMul(x as tf.Tensor2D, a as tf.Tensor2D), b as tf.Tensor2D).mul(2.5),
        ),
      [
        [12, 16],
        [16, 4],
        [4, 20],
        [12, 20],
      ],
      1e-5,
      ON_GPU,
    );
  });

  it('one dispatch forward, the same values as the product and Add; frozen W and bias: only x gets a product', async () => {
    await tf.setBackend('webgpu');
    const x = seeded([16, 32], 1) as tf.Tensor2D;
    const w = tf.variable(seeded([32, 24], 2), false);
    const b = tf.variable(seeded([24], 3), false);
    const fused = linear(x, w, b);
    const names = await kernelNames(() => linear(x, w, b));
    expect(names).toContain('_FusedMatMul');
    expect(names).not.toContain('Add');
    process.env.STUDIO_FUSED_EPILOGUE = '0';
    const composed = linear(x, w, b);
    expect(await kernelNames(() => linear(x, w, b))).toContain('Add');
    expect(Array.from(await fused.data())).toEqual(Array.from(await composed.data()));
    delete process.env.STUDIO_FUSED_EPILOGUE;
    // Gradient of x alone: one product (dy·Wᵀ); the frozen W and bias get neither xᵀ·dy nor a row sum.
    const grad = tf.grad((xs: tf.Tensor) => linear(xs as tf.Tensor2D, w, b).sum());
    const backward = await kernelNames(() => grad(x));
    expect(backward.filter((n) => n === 'BatchMatMul')).toHaveLength(1);
    tf.dispose([x, w, b, fused, composed]);
  });

  it('a BERT LoRA training step dispatches fewer kernels with the epilogues than without', async () => {
    const model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const inp = {
      inputIds: tf.tensor2d([[5, 9, 13, 17, 21, 25, 29, 33]], [1, 8], 'int32'),
      attentionMask: tf.ones([1, 8], 'int32') as tf.Tensor2D,
    };
    const dispatches = async (fused: boolean) => {
      if (!fused) process.env.STUDIO_FUSED_EPILOGUE = '0';
      const bench = benchStep(
        model,
        { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
        inp,
        model.config.labels.length,
      );
      await bench.eager();
      const captured = await bench.capture();
      const n = captured.kernels;
      captured.dispose();
      bench.dispose();
      delete process.env.STUDIO_FUSED_EPILOGUE;
      return n;
    };
    const on = await dispatches(true);
    const off = await dispatches(false);
    console.log(`BERT LoRA step: ${off} dispatches composed, ${on} with the epilogues`);
    // Each biased linear of the forward loses its Add (6 per layer x 2 layers, the pooler, the classifier: 14), and
    // each LoRA target (query and value x 2 layers) its [rows, out] Add (the scale moves onto the small B).
    expect(off - on).toBeGreaterThanOrEqual(14 + 4);
    tf.dispose(Object.values(inp));
    model.dispose();
  });

  it('a Houlsby step (ReLU bottlenecks) and a base model forward (its FFN GELU) dispatch fewer kernels', async () => {
    const model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const inp = {
      inputIds: tf.tensor2d([[5, 9, 13, 17, 21, 25, 29, 33]], [1, 8], 'int32'),
      attentionMask: tf.ones([1, 8], 'int32') as tf.Tensor2D,
    };
    const counts = async (fused: boolean) => {
      if (!fused) process.env.STUDIO_FUSED_EPILOGUE = '0';
      const bench = benchStep(model, bottleneck16('houlsby'), inp, model.config.labels.length);
      await bench.eager();
      const captured = await bench.capture();
      const step = captured.kernels;
      captured.dispose();
      bench.dispose();
      // The forward alone, recorded like a step (no state): its dispatches.
      const forward = () => [model.forward(inp, {}).logits];
      tf.dispose(forward());
      const recorder = new StepRecorder({ state: [] });
      for (let i = 0; i < 2; i++) tf.dispose(recorder.record([], forward));
      const built = recorder.build();
      const inference = built.kernels;
      built.dispose();
      delete process.env.STUDIO_FUSED_EPILOGUE;
      return { step, inference };
    };
    const on = await counts(true);
    const off = await counts(false);
    console.log(
      `Houlsby step ${off.step} -> ${on.step}, base forward ${off.inference} -> ${on.inference} dispatches`,
    );
    // Houlsby: per layer 2 bottlenecks, each down-projection's Add and ReLU fused (4), besides the base's 6 Adds.
    expect(off.step - on.step).toBeGreaterThanOrEqual(2 * (6 + 4));
    // Forward: per layer 6 bias Adds, the GELU and 2 residual Adds; the pooler's and the classifier's Adds.
    expect(off.inference - on.inference).toBeGreaterThanOrEqual(2 * 9 + 2);
    tf.dispose(Object.values(inp));
    model.dispose();
  });
});
