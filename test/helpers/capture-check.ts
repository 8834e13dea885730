/**
 * Training steps on a fixture model with the loop's device step, op by op or captured (step 0 plain, 1-2 recorded,
 * 3-4 replayed): what the capture tests compare across architectures and methods, here on lavapipe and on a GPU
 * (test/bench/gpu-models.ts). No test framework here, so the device script can bundle it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import { StepRecorder } from '../../src-main/engine/webgpu/step-capture.ts';
import type { CapturedStep } from '../../src-main/engine/webgpu/step-capture.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { AdamW } from '../../src-main/training/adamw.ts';
import { deviceStep } from '../../src-main/training/device-step.ts';
import { bottleneck16 } from './methods.ts';
import { loadReference } from './reference.ts';

/** One row per architecture and method family (dropout on where the method has it). */
export const CAPTURE_MATRIX: [string, MethodConfig][] = [
  ['gpt2-lm', { type: 'lora', r: 4, alpha: 8, dropout: 0.1, rslora: false }],
  ['llama-lm', { type: 'prefix', prefixLength: 3, projectionSize: 16 }],
  ['bert-seqcls', bottleneck16('houlsby')],
  ['bert-seqcls', { type: 'prompt', virtualTokens: 5 }],
  ['llama-lm', { type: 'ia3' }],
  ['roberta-seqcls', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: true }],
  ['distilbert-seqcls', { type: 'full' }],
  ['vit-imgcls', { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false }],
  ['resnet-imgcls', { type: 'conv', reductionFactor: 4 }],
];

/** Largest elementwise difference between two lists of weights. */
export function maxWeightDiff(a: number[][], b: number[][]): number {
  let d = 0;
  a.forEach((w, i) => {
    const ref = b[i] ?? [];
    for (let j = 0; j < w.length; j++) d = Math.max(d, Math.abs((w[j] ?? 0) - (ref[j] ?? 0)));
  });
  return d;
}

/** Five steps on the fixture in `dir` (loss: mean squared logits); losses, final weights, largest weight change. */
export async function trainFixtureSteps(dir: string, method: MethodConfig, capture: boolean) {
  const { inputs, dispose } = loadReference(dir);
  // A fresh model each time: full fine-tuning changes the base weights.
  const m = loadModel(dir);
  const labels = m.config.labels.length;
  const adapter = createAdapter(m, method, 5, labels > 0 ? { numLabels: labels } : {});
  const trainable = new Map<string, tf.Variable>(adapter.weights);
  for (const n of adapter.baseTrainable) trainable.set(n, m.params.get(n));
  const optimizer = new AdamW();
  const before = new Map<string, tf.Tensor>([...trainable].map(([k, v]) => [k, tf.clone(v)]));
  const step = (seed: tf.Tensor, scalars: tf.Tensor1D) => () => [
    deviceStep({
      loss: () =>
        tf.tidy(() =>
          m
            .forward(inputs, { hooks: adapter.hooks, training: true, dropoutSeed: seed })
            .logits.square()
            .mean(),
        ) as tf.Scalar,
      trainable,
      optimizer,
      scalars,
      maxNorm: 1,
    }),
  ];
  const losses: number[] = [];
  const state = () => [...trainable.values(), ...optimizer.stateVariables()];
  let recorder: StepRecorder | null = null;
  let captured: CapturedStep | null = null;
  // Step 0 plain, 1-2 recorded, 3-4 replayed (or all five op by op).
  for (let s = 0; s < 5; s++) {
    const ins = [tf.tensor1d([s * 7 + 1], 'int32'), tf.tensor1d(optimizer.nextStep(1e-2))];
    if (captured) {
      losses.push(...((await captured.replay(ins, state()))[0] as Float32Array));
    } else {
      const run = step(ins[0] as tf.Tensor, ins[1] as tf.Tensor1D);
      if (capture && s > 0) recorder ??= new StepRecorder({ state: state() });
      const outs = recorder ? recorder.record(ins, run) : run();
      losses.push(...(await (outs[0] as tf.Tensor).data()));
      tf.dispose(outs);
      if (recorder && s === 2) captured = recorder.build();
    }
    tf.dispose(ins);
  }
  let moved = 0;
  const weights: number[][] = [];
  for (const [k, v] of trainable) {
    const w = Array.from(await v.data());
    weights.push(w);
    const b = await (before.get(k) as tf.Tensor).data();
    moved = Math.max(moved, ...w.map((x, i) => Math.abs(x - (b[i] ?? 0))));
  }
  captured?.dispose();
  tf.dispose([...before.values()]);
  optimizer.dispose();
  adapter.dispose();
  m.dispose();
  dispose();
  return { losses, weights, moved };
}
