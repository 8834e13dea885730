/**
 * Step capture on the webgpu backend (a real GPU, or lavapipe on machines without one): replayed steps train
 * exactly as eager ones, the GPU dropout masks are the JavaScript ones, and steps that cannot be replayed are
 * refused. Skipped, with the reason, where no WebGPU adapter exists.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../../src-main/adapters/index.ts';
import { callSeed, dropout, dropoutAdd, dropoutMask } from '../../../../src-main/engine/ops/index.ts';
import { gpuDropoutMask } from '../../../../src-main/engine/webgpu/dropout-mask.ts';
import { webgpuBackend } from '../../../../src-main/engine/webgpu/backend-internals.ts';
import { CaptureRefused, StepRecorder } from '../../../../src-main/engine/webgpu/step-capture.ts';
import type { CapturedStep } from '../../../../src-main/engine/webgpu/step-capture.ts';
import { loadModel } from '../../../../src-main/models/index.ts';
import type { Model } from '../../../../src-main/models/index.ts';
import { AdamW } from '../../../../src-main/training/adamw.ts';
import { deviceStep } from '../../../../src-main/training/device-step.ts';
import { HF_TINY_DIR } from '../../../helpers/fixtures.ts';
import { relErr } from '../../../helpers/grad-check.ts';
import { mixedProductCount, setMixedPrecision } from '../../../../src-main/engine/webgpu/mixed-precision.ts';
import { CAPTURE_MATRIX, maxWeightDiff, trainFixtureSteps } from '../../../helpers/capture-check.ts';
import { useWebGpuForTests } from '../../../helpers/webgpu.ts';

const unavailable = await useWebGpuForTests();
if (unavailable) console.warn(`webgpu step-capture tests skipped: ${unavailable}`);

let model: Model | undefined;

afterAll(() => model?.dispose());

/** The batch, dropout seed and optimizer scalars of step `s`: what changes from step to step. */
function stepInputs(s: number, opt: AdamW, len = 8): tf.Tensor[] {
  const ids = Array.from({ length: 2 * len }, (_, i) => 5 + ((i * 7 + s * 13) % 90));
  // The second row ends with two padding tokens.
  const mask = Array.from({ length: 2 * len }, (_, i) => (i < 2 * len - 2 ? 1 : 0));
  return [
    tf.tensor2d(ids, [2, len], 'int32'),
    tf.tensor2d(mask, [2, len], 'int32'),
    tf.tensor1d([s % 3, (s + 1) % 3], 'int32'),
    tf.tensor1d([callSeed(1234, s) | 0], 'int32'),
    tf.tensor1d(opt.nextStep(1e-2)),
  ];
}

function setup(m: Model) {
  const adapter = createAdapter(m, { type: 'lora', r: 4, alpha: 8, dropout: 0.1, rslora: false }, 3, {
    numLabels: m.config.labels.length,
  });
  const trainable = new Map<string, tf.Variable>(adapter.weights);
  for (const n of adapter.baseTrainable) trainable.set(n, m.params.get(n));
  const optimizer = new AdamW({ weightDecay: 0.01 });
  const step = (inp: tf.Tensor[]) => () => {
    const [inputIds, attentionMask, labels, seed, scalars] = inp as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor,
      tf.Tensor1D,
    ];
    return [
      deviceStep({
        loss: () =>
          tf.tidy(() => {
            const logits = m.forward(
              { inputIds, attentionMask },
              { hooks: adapter.hooks, training: true, dropoutSeed: seed },
            ).logits as tf.Tensor2D;
            return tf.losses.softmaxCrossEntropy(
              tf.oneHot(labels, m.config.labels.length),
              logits,
            ) as tf.Scalar;
          }),
        trainable,
        optimizer,
        scalars,
        maxNorm: 0.5,
      }),
    ];
  };
  return { adapter, trainable, optimizer, step };
}

describe.skipIf(unavailable !== null)('step capture on webgpu', () => {
  it('draws on the GPU the dropout masks JavaScript draws', async () => {
    const seed = tf.tensor1d([987654321 | 0], 'int32');
    const gpu = gpuDropoutMask([3, 1000], 0.3, seed, 4) as tf.Tensor;
    const js = dropoutMask([3, 1000], 0.3, callSeed(987654321, 4));
    expect(Array.from(await gpu.data())).toEqual(Array.from(await js.data()));
    tf.dispose([seed, gpu, js]);
  });

  it('applies dropout in one kernel: the value and gradient of x times the JavaScript mask, bit for bit', async () => {
    const x = tf.randomNormal([5, 333], 0, 1, 'float32', 3);
    const w = tf.randomNormal([5, 333], 0, 1, 'float32', 4);
    const mask = dropoutMask([5, 333], 0.2, callSeed(42, 6));
    // The seed as a number: its tensor is made inside the op and must outlive it for the backward.
    const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => dropout(t, 0.2, 42, 6).mul(w).sum())([x]);
    const want = tf.valueAndGrads((t: tf.Tensor) => t.mul(mask).mul(w).sum())([x]);
    expect(Array.from(await (grads[0] as tf.Tensor).data())).toEqual(
      Array.from(await (want.grads[0] as tf.Tensor).data()),
    );
    expect(Array.from(await dropout(x, 0.2, 42, 6).data())).toEqual(Array.from(await x.mul(mask).data()));
    expect((await value.data())[0]).toBeCloseTo((await want.value.data())[0] as number, 3);
    tf.dispose([x, w, mask, value, ...grads, want.value, ...want.grads]);
  });

  it('adds the residual in the dropout kernel: value and both gradients as the composed form', async () => {
    const x = tf.randomNormal([5, 333], 0, 1, 'float32', 5);
    const r = tf.randomNormal([5, 333], 0, 1, 'float32', 6);
    const w = tf.randomNormal([5, 333], 0, 1, 'float32', 7);
    const mask = dropoutMask([5, 333], 0.2, callSeed(42, 6));
    const got = tf.grads((a: tf.Tensor, b: tf.Tensor) => dropoutAdd(a, b, 0.2, 42, 6).mul(w).sum())([x, r]);
    const want = tf.grads((a: tf.Tensor, b: tf.Tensor) => a.mul(mask).add(b).mul(w).sum())([x, r]);
    for (const [i, g] of got.entries())
      expect(relErr([...(await g.data())], [...(await (want[i] as tf.Tensor).data())])).toBeLessThan(1e-6);
    const value = dropoutAdd(x, r, 0.2, 42, 6);
    expect(relErr([...(await value.data())], [...(await x.mul(mask).add(r).data())])).toBeLessThan(1e-6);
    tf.dispose([x, r, w, mask, value, ...got, ...want]);
  });

  it('replays steps that train exactly as eager steps, and frees what it took', async () => {
    model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    const steps = 6;
    // Reference: every step eager.
    const a = setup(model);
    const eagerLosses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const inp = stepInputs(s, a.optimizer);
      const [out] = a.step(inp)();
      eagerLosses.push(...(await (out as tf.Tensor).data()));
      tf.dispose([...inp, out as tf.Tensor]);
    }
    const eagerWeights = new Map<string, number[]>();
    for (const [k, v] of a.trainable) eagerWeights.set(k, Array.from(await v.data()));
    a.optimizer.dispose();
    a.adapter.dispose();

    // Captured: one plain step, two recorded ones, then replays.
    const b = setup(model);
    const losses: number[] = [];
    const allocated: number[] = [];
    let recorder: StepRecorder | null = null;
    let captured: CapturedStep | null = null;
    for (let s = 0; s < steps; s++) {
      const inp = stepInputs(s, b.optimizer);
      if (captured) {
        // The first replay submits the step in a ramp of parts (the default), the next one whole, the last in
        // parts of 7 dispatches (STUDIO_REPLAY_SUBMIT): the same step each time.
        if (s >= 4) process.env.STUDIO_REPLAY_SUBMIT = s === 4 ? 'all' : '7';
        const [out] = await captured.replay(inp, [...b.trainable.values(), ...b.optimizer.stateVariables()]);
        delete process.env.STUDIO_REPLAY_SUBMIT;
        losses.push(...(out as Float32Array));
      } else {
        if (s === 1)
          recorder = new StepRecorder({ state: [...b.trainable.values(), ...b.optimizer.stateVariables()] });
        const outs = recorder ? recorder.record(inp, b.step(inp)) : b.step(inp)();
        losses.push(...(await (outs[0] as tf.Tensor).data()));
        tf.dispose(outs);
        allocated.push(webgpuBackend()?.bufferManager.numBytesAllocated ?? NaN);
        if (s === 2) captured = (recorder as StepRecorder).build();
      }
      tf.dispose(inp);
    }
    expect(captured?.kernels).toBeGreaterThan(50);
    // The second recording reuses the first's buffers (given back before it ran): it allocates no second set of the
    // step's temporaries on the GPU (all of tf.js's buffers: in use and pooled). Holding both, it took ~690 KB more
    // here, the tiny model's temporaries.
    const [, first, second] = allocated as [number, number, number];
    expect(second - first).toBeLessThan(16_384);
    // Temporaries used one after another share buffers (capture-memory.ts): the capture holds less than they took.
    expect(captured?.sharedTemporaryBytes).toBeGreaterThan(0);
    expect(captured?.sharedTemporaryBytes).toBeLessThan(0.6 * (captured?.temporaryBytes ?? 0));
    // The step's constants (the attention bias, dropout scales) live in buffers of their own, so a replay is one
    // compute pass after the state copies; copying them back into pooled buffers made it 22 passes and 21 copies (capture-constants.ts).
    expect([captured?.passes, captured?.copies]).toEqual([1, 0]);
    for (let i = 0; i < eagerLosses.length; i++) expect(losses[i]).toBeCloseTo(eagerLosses[i] as number, 5);
    for (const [k, v] of b.trainable) {
      const ref = eagerWeights.get(k) as number[];
      const got = Array.from(await v.data());
      expect(Math.max(...got.map((x, i) => Math.abs(x - (ref[i] as number))))).toBeLessThan(1e-5);
    }
    captured?.dispose();
    b.optimizer.dispose();
    b.adapter.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('captures two shapes whose recordings and replays interleave, training exactly as eager steps', async () => {
    model ??= loadModel(path.join(HF_TINY_DIR, 'bert-seqcls/base'));
    const before = tf.memory().numTensors;
    // Batches padded to 8 or 16 tokens (two length buckets): shape B is recorded between A's two recordings, and
    // replays switch shapes, so each replay starts from state another shape's step left elsewhere.
    const lens = [8, 8, 16, 8, 16, 8, 16, 16, 8, 8, 16, 8];
    const eager = setup(model);
    const eagerLosses: number[] = [];
    for (let s = 0; s < lens.length; s++) {
      const inp = stepInputs(s, eager.optimizer, lens[s]);
      const [out] = eager.step(inp)();
      eagerLosses.push(...(await (out as tf.Tensor).data()));
      tf.dispose([...inp, out as tf.Tensor]);
    }
    const eagerWeights = new Map<string, number[]>();
    for (const [k, v] of eager.trainable) eagerWeights.set(k, Array.from(await v.data()));
    eager.optimizer.dispose();
    eager.adapter.dispose();

    const b = setup(model);
    const state = () => [...b.trainable.values(), ...b.optimizer.stateVariables()];
    const recorders = new Map<number, StepRecorder>();
    const recorded = new Map<number, number>();
    const captures = new Map<number, CapturedStep>();
    const losses: number[] = [];
    const replayed: number[] = [];
    for (let s = 0; s < lens.length; s++) {
      const len = lens[s] as number;
      const inp = stepInputs(s, b.optimizer, len);
      const captured = captures.get(len);
      if (captured) {
        const [out] = await captured.replay(inp, state());
        losses.push(...(out as Float32Array));
        replayed.push(s);
      } else if (s === 0) {
        const [out] = b.step(inp)();
        losses.push(...(await (out as tf.Tensor).data()));
        tf.dispose(out as tf.Tensor);
      } else {
        const recorder = recorders.get(len) ?? new StepRecorder({ state: state() });
        recorders.set(len, recorder);
        const outs = recorder.record(inp, b.step(inp));
        losses.push(...(await (outs[0] as tf.Tensor).data()));
        tf.dispose(outs);
        recorded.set(len, (recorded.get(len) ?? 0) + 1);
        if (recorded.get(len) === 2) captures.set(len, recorder.build());
      }
      tf.dispose(inp);
    }
    // Steps 1, 3 record shape 8 around step 2's recording of 16; from step 5 on every step replays.
    expect(replayed).toEqual([5, 6, 7, 8, 9, 10, 11]);
    for (let i = 0; i < eagerLosses.length; i++) expect(losses[i]).toBeCloseTo(eagerLosses[i] as number, 5);
    for (const [k, v] of b.trainable) {
      const ref = eagerWeights.get(k) as number[];
      const got = Array.from(await v.data());
      expect(Math.max(...got.map((x, i) => Math.abs(x - (ref[i] as number))))).toBeLessThan(1e-5);
    }
    for (const c of captures.values()) c.dispose();
    b.optimizer.dispose();
    b.adapter.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  // Every architecture and method family: eager steps and replayed steps train alike (dropout on).
  it.each(CAPTURE_MATRIX)('%s with %o: replayed steps equal eager ones', async (fixture, method) => {
    const dir = path.join(HF_TINY_DIR, fixture, 'base');
    const eager = await trainFixtureSteps(dir, method, false);
    const replayed = await trainFixtureSteps(dir, method, true);
    expect(eager.moved).toBeGreaterThan(0);
    replayed.losses.forEach((l, i) => expect(l).toBeCloseTo(eager.losses[i] as number, 5));
    expect(maxWeightDiff(replayed.weights, eager.weights)).toBeLessThan(1e-5);
  });

  // The same with every product in f16 operands (mixed precision): a replay records the mixed programs.
  it.each(CAPTURE_MATRIX)(
    '%s with %o, mixed precision: replayed steps equal eager ones',
    async (fixture, method) => {
      const dir = path.join(HF_TINY_DIR, fixture, 'base');
      setMixedPrecision(true);
      try {
        const eager = await trainFixtureSteps(dir, method, false);
        const replayed = await trainFixtureSteps(dir, method, true);
        expect(mixedProductCount()).toBeGreaterThan(0);
        expect(eager.moved).toBeGreaterThan(0);
        replayed.losses.forEach((l, i) => expect(l).toBeCloseTo(eager.losses[i] as number, 5));
        expect(maxWeightDiff(replayed.weights, eager.weights)).toBeLessThan(1e-5);
      } finally {
        setMixedPrecision(false);
      }
    },
  );

  it('refuses a step that uploads changing data it did not declare', () => {
    const w = tf.variable(tf.ones([4]));
    const r = new StepRecorder({ state: [w] });
    for (let s = 0; s < 2; s++) {
      const outs = r.record([], () => {
        w.assign(w.add(tf.scalar(s + 1)));
        return [w.sum()];
      });
      tf.dispose(outs);
    }
    expect(() => r.build()).toThrow(CaptureRefused);
    r.dispose();
    w.dispose();
  });

  it('refuses a step that reads data back', () => {
    const r = new StepRecorder({ state: [] });
    const x = tf.ones([4]);
    expect(() => r.record([], () => [tf.scalar(x.sum().dataSync()[0] as number)])).toThrow(/reads data back/);
    r.dispose();
    x.dispose();
  });
});
