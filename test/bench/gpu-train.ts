/**
 * The training loop itself on the GPU: the same BERT-small LoRA run (synthetic weights and data, batch 16 x 128,
 * dropout on, clipping on) with captured GPU steps and with steps op by op (STUDIO_GPU_CAPTURE=0); prints both
 * step times and how far their losses and weights differ. `node .gpu/gpu-train.mjs [--accumulation N]` (12
 * optimizer steps of N micro-batches of 16).
 */
import { trainOptionsSchema } from '../../src-shared/train-config.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import { initBackend } from '../../src-main/engine/backends.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { buildTask } from '../../src-main/training/session.ts';
import type { Example } from '../../src-main/training/session.ts';
import { trainLoop } from '../../src-main/training/trainer.ts';
import { BENCH_SHAPES, writeRandomBert } from './synthetic-model.ts';

const args = process.argv.slice(2);
const accumulation = args.includes('--accumulation') ? Number(args[args.indexOf('--accumulation') + 1]) : 1;
const report = await initBackend();
const shape = BENCH_SHAPES.small;
const model = loadModel(writeRandomBert(shape));
// 12 optimizer steps of `accumulation` micro-batches of 16.
const examples: Example[] = Array.from({ length: 16 * 12 * accumulation }, (_, r) => {
  const ids = Array.from({ length: 60 + ((r * 37) % 68) }, (_, i) => 5 + ((r * 131 + i * 17) % 990));
  return { ids, typeIds: ids.map(() => 0), label: r % 2 };
});

async function run(capture: boolean) {
  process.env.STUDIO_GPU_CAPTURE = capture ? '1' : '0';
  const options = trainOptionsSchema.parse({
    epochs: 1,
    batchSize: 16,
    lr: 1e-3,
    seed: 5,
    maxLength: 128,
    evalEvery: 0,
    dropout: true,
    gradClip: 1,
    gradAccumulation: accumulation,
  });
  const adapter = createAdapter(model, { type: 'lora', r: 8, alpha: 16, dropout: 0.1, rslora: false }, 1, {
    numLabels: 2,
  });
  const task = buildTask({
    model,
    adapter,
    train: examples,
    validation: [],
    numLabels: 2,
    lm: false,
    padId: 0,
    imageSize: 32,
    options,
    fixedLength: 128,
  });
  const losses: number[] = [];
  const stepMs: number[] = [];
  const logs: string[] = [];
  await trainLoop(task, options, {
    onProgress: (p) => {
      losses.push(p.loss);
      stepMs.push(p.stepMs);
    },
    onLog: (m) => logs.push(m),
  });
  const weights: ArrayLike<number>[] = [];
  for (const v of task.trainable.values()) weights.push(await v.data());
  adapter.dispose();
  // The last steps, after compilation and capture.
  const tail = stepMs.slice(-6).sort((a, b) => a - b);
  return { losses, weights, logs, medianStepMs: tail[Math.floor(tail.length / 2)] ?? NaN };
}

const plain = await run(false);
const captured = await run(true);
let weightDiff = 0;
plain.weights.forEach((w, i) => {
  const c = captured.weights[i] as ArrayLike<number>;
  for (let j = 0; j < w.length; j++) weightDiff = Math.max(weightDiff, Math.abs((w[j] ?? 0) - (c[j] ?? 0)));
});
const lossDiff = Math.max(...plain.losses.map((l, i) => Math.abs(l - (captured.losses[i] ?? NaN))));
console.log(
  JSON.stringify({
    backend: report.backend,
    device: report.device,
    accumulation,
    steps: plain.losses.length,
    plainStepMs: plain.medianStepMs,
    capturedStepMs: captured.medianStepMs,
    maxLossDiff: lossDiff,
    maxWeightDiff: weightDiff,
    log: captured.logs,
  }),
);
process.exit(0);
