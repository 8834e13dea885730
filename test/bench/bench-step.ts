/**
 * The training step the benches time and profile: the training loop's device step (training/device-step.ts) on a
 * fixed batch, with what changes per step (dropout seed, optimizer scalars) fed as tensors, so on webgpu it can be
 * captured once and replayed (engine/webgpu/step-capture.ts) as the loop does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import type { AdapterInstance } from '../../src-main/adapters/index.ts';
import { callSeed } from '../../src-main/engine/ops/index.ts';
import { throwIfGpuError } from '../../src-main/engine/webgpu/gpu-errors.ts';
import { StepRecorder } from '../../src-main/engine/webgpu/step-capture.ts';
import type { CapturedStep } from '../../src-main/engine/webgpu/step-capture.ts';
import type { Model, ModelInputs } from '../../src-main/models/index.ts';
import { AdamW } from '../../src-main/training/adamw.ts';
import { deviceStep } from '../../src-main/training/device-step.ts';
import { nextTokenLoss } from '../../src-main/training/next-token-loss.ts';
import { bottleneck16 } from '../helpers/methods.ts';

/** The methods every bench measures (CLI.md's bench contract): full fine-tuning, LoRA r=8, Houlsby and Pfeiffer. */
export const BENCH_METHODS: Record<string, MethodConfig> = {
  full: { type: 'full' },
  lora: { type: 'lora', r: 8, alpha: 16, dropout: 0, rslora: false },
  houlsby: bottleneck16('houlsby'),
  pfeiffer: bottleneck16('pfeiffer'),
};

export interface BenchStep {
  adapter: AdapterInstance;
  optimizer: AdamW;
  /** The variables a captured step carries (trainable weights, optimizer moments). */
  state(): tf.Variable[];
  /** One step op by op, read back. */
  eager(): Promise<void>;
  /** Records two steps and returns the replayable step (webgpu only). */
  capture(): Promise<CapturedStep>;
  /** One step replayed from `captured`, with the next step's inputs. */
  replay(captured: CapturedStep): Promise<void>;
  dispose(): void;
}

/** `lm`: a causal LM trained on next-token prediction of `inp.inputIds` (numLabels unused) instead of labels. */
export function benchStep(
  model: Model,
  method: MethodConfig,
  inp: ModelInputs,
  numLabels: number,
  opts: { lm?: boolean } = {},
): BenchStep {
  const adapter = createAdapter(model, method, 1);
  const trainable = new Map<string, tf.Variable>(adapter.weights);
  for (const n of adapter.baseTrainable) trainable.set(n, model.params.get(n));
  const optimizer = new AdamW();
  const batch = inp.inputIds?.shape[0] ?? 1;
  const labels = tf.tidy(() => tf.oneHot(tf.zeros([batch], 'int32') as tf.Tensor1D, opts.lm ? 2 : numLabels));
  const seq = inp.inputIds?.shape[1] ?? 2;
  const lm = opts.lm
    ? {
        targets: (inp.inputIds as tf.Tensor2D).slice([0, 1], [batch, seq - 1]),
        mask: tf.ones([batch * (seq - 1)]) as tf.Tensor1D,
      }
    : null;
  let stepNo = 0;
  const nextInputs = () => [
    tf.tensor1d([callSeed(7, stepNo++) | 0], 'int32'),
    tf.tensor1d(optimizer.nextStep(1e-4)),
  ];
  const stepFn = (ins: tf.Tensor[]) => () => [
    deviceStep({
      loss: () =>
        tf.tidy(() => {
          const logits = model.forward(inp, {
            hooks: adapter.hooks,
            training: true,
            dropoutSeed: ins[0],
          }).logits;
          return lm
            ? nextTokenLoss(logits, lm.targets, lm.mask)
            : (tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar);
        }),
      trainable,
      optimizer,
      scalars: ins[1] as tf.Tensor1D,
      maxNorm: 0,
    }),
  ];
  const state = () => [...trainable.values(), ...optimizer.stateVariables()];
  return {
    adapter,
    optimizer,
    state,
    async eager() {
      const ins = nextInputs();
      const outs = stepFn(ins)();
      await outs[0]?.data();
      tf.dispose([...ins, ...outs]);
      // A step whose GPU program failed ran nothing: a bench would time nothing (RESULTS.md, 2026-12-08).
      throwIfGpuError();
    },
    async capture() {
      const recorder = new StepRecorder({ state: state() });
      for (let i = 0; i < 2; i++) {
        const ins = nextInputs();
        const outs = recorder.record(ins, stepFn(ins));
        await outs[0]?.data();
        tf.dispose([...ins, ...outs]);
      }
      return recorder.build();
    },
    async replay(captured) {
      const ins = nextInputs();
      await captured.replay(ins, state());
      tf.dispose(ins);
      throwIfGpuError();
    },
    dispose() {
      optimizer.dispose();
      labels.dispose();
      if (lm) tf.dispose([lm.targets, lm.mask]);
      adapter.dispose();
    },
  };
}
