/**
 * One LoRA classification run of the real training loop (buildTask + trainLoop), with captured GPU steps on or off
 * (STUDIO_GPU_CAPTURE): what the webgpu loop tests and the gpu-train bench compare.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { trainOptionsSchema } from '../../src-shared/train-config.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import type { Model } from '../../src-main/models/index.ts';
import { buildTask } from '../../src-main/training/session.ts';
import type { Example } from '../../src-main/training/session.ts';
import { trainLoop } from '../../src-main/training/trainer.ts';

export interface LoraLoopSpec {
  capture: boolean;
  /** Training options (trainOptionsSchema input); evaluation is off. */
  options: Record<string, unknown>;
  lora: { r: number; alpha: number };
  /** Seeds the adapter's initial weights. */
  adapterSeed: number;
  numLabels: number;
  /** Every batch padded to this length (as on webgpu before length buckets), or with `buckets` the max length. */
  length: number;
  /** Pads batches to the length buckets buildTask uses by default on webgpu (length-buckets.ts). */
  buckets?: boolean;
  /** Hears each step's progress report, in the loop's order. */
  onStep?: (step: number) => void;
}

export async function runLoraLoop(model: Model, train: Example[], spec: LoraLoopSpec) {
  process.env.STUDIO_GPU_CAPTURE = spec.capture ? '1' : '0';
  const options = trainOptionsSchema.parse({ evalEvery: 0, maxLength: spec.length, ...spec.options });
  const adapter = createAdapter(
    model,
    { type: 'lora', ...spec.lora, dropout: 0.1, rslora: false },
    spec.adapterSeed,
    {
      numLabels: spec.numLabels,
    },
  );
  try {
    const task = buildTask({
      model,
      adapter,
      train,
      validation: [],
      numLabels: spec.numLabels,
      lm: false,
      padId: 0,
      imageSize: 32,
      options,
      ...(spec.buckets ? {} : { fixedLength: spec.length }),
    });
    const losses: number[] = [];
    const stepMs: number[] = [];
    const logs: string[] = [];
    const result = await trainLoop(task, options, {
      onProgress: (p) => {
        losses.push(p.loss);
        stepMs.push(p.stepMs);
        spec.onStep?.(p.step);
      },
      onLog: (m) => logs.push(m),
    });
    const weights = new Map<string, number[]>();
    for (const [k, v] of task.trainable) weights.set(k, Array.from(await (v as tf.Variable).data()));
    return { result, losses, stepMs, logs, weights };
  } finally {
    adapter.dispose();
    delete process.env.STUDIO_GPU_CAPTURE;
  }
}

export type LoraLoopRun = Awaited<ReturnType<typeof runLoraLoop>>;
