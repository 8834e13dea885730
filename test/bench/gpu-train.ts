/**
 * The training loop itself on the GPU: the same BERT-small LoRA run (synthetic weights and data, batch 16 x 128,
 * dropout on, clipping on) with captured GPU steps and with steps op by op (STUDIO_GPU_CAPTURE=0); prints both
 * step times and how far their losses and weights differ. `node .gpu/gpu-train.mjs [--accumulation N]` (12
 * optimizer steps of N micro-batches of 16).
 */
import { initBackend } from '../../src-main/engine/backends.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { Example } from '../../src-main/training/session.ts';
import { maxWeightDiff } from '../helpers/capture-check.ts';
import { runLoraLoop } from '../helpers/lora-loop.ts';
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
  const r = await runLoraLoop(model, examples, {
    capture,
    options: {
      epochs: 1,
      batchSize: 16,
      lr: 1e-3,
      seed: 5,
      dropout: true,
      gradClip: 1,
      gradAccumulation: accumulation,
    },
    lora: { r: 8, alpha: 16 },
    adapterSeed: 1,
    numLabels: 2,
    length: 128,
  });
  // The last steps, after compilation and capture.
  const tail = r.stepMs.slice(-6).sort((a, b) => a - b);
  return { ...r, medianStepMs: tail[Math.floor(tail.length / 2)] ?? NaN };
}

const plain = await run(false);
const captured = await run(true);
const weightDiff = maxWeightDiff([...plain.weights.values()], [...captured.weights.values()]);
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
