/**
 * The engine benchmark on the self-contained BERT-small encoder (encoder.ts, built on src-main/engine/ops):
 * `node bin/run-ts.mjs test/bench/engine.ts [--quick] [--json] [--backend NAME] [--threads N]`.
 * Prints a table to stderr, writes test-output/bench-engine-<backend>-<time>.json, and with --json prints the
 * CLI.md Benchmarks object as the last stdout line. Ratios are what to compare; absolute timings are noisy.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';
import { exitWhenFlushed, wasmThreadsCount } from '../../src-main/engine/wasm-threads.ts';
import { AdamW } from '../../src-main/training/adamw.ts';
import { BenchEncoder } from './encoder.ts';
import type { Batch, Method, MethodSpec } from './encoder.ts';
import { BENCH_SHAPES } from './synthetic-model.ts';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const json = args.includes('--json');
if (opt('--threads')) process.env.STUDIO_THREADS = opt('--threads');
const log = (s: string) => process.stderr.write(`${s}\n`);

const SHAPE = BENCH_SHAPES.small;
const SEQ = 128;
const BATCH = 16;
const TOKENS = SEQ * BATCH;

async function timeIt(fn: () => Promise<void>, reps: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return Math.min(...times); // the least-disturbed run: other processes share these cores
}

async function matmulPeak(gpu: boolean): Promise<number> {
  let best = 0;
  for (const n of gpu ? [1024, 2048, 4096] : quick ? [512, 1024] : [256, 512, 1024, 2048]) {
    const [a, b] = [tf.randomUniform([n, n]), tf.randomUniform([n, n])] as [tf.Tensor2D, tf.Tensor2D];
    const ms = await timeIt(
      async () => {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      },
      gpu ? 10 : 3,
    );
    best = Math.max(best, (2 * n ** 3) / (ms * 1e6));
    tf.dispose([a, b]);
  }
  return best;
}

function makeBatch(): Batch {
  return {
    ids: tf.randomUniform([BATCH, SEQ], 0, SHAPE.vocab, 'int32', 5) as tf.Tensor2D,
    mask: tf.ones([BATCH, SEQ], 'int32') as tf.Tensor2D,
    types: tf.zeros([BATCH, SEQ], 'int32') as tf.Tensor2D,
  };
}

const METHODS: Record<Method, MethodSpec> = {
  full: { method: 'full' },
  lora: { method: 'lora', r: 8, alpha: 16 },
  houlsby: { method: 'houlsby', reductionFactor: 16 },
  pfeiffer: { method: 'pfeiffer', reductionFactor: 16 },
};

async function trainStep(model: BenchEncoder, spec: MethodSpec, batch: Batch, peak: number, reps: number) {
  const trainable = model.useMethod(spec);
  const optimizer = new AdamW({ weightDecay: 0.01 });
  const labels = tf.oneHot(tf.zeros([BATCH], 'int32') as tf.Tensor1D, SHAPE.labels);
  let peakBytes = 0;
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const loss = tf.losses.softmaxCrossEntropy(labels, model.forward(batch)) as tf.Scalar;
      peakBytes = Math.max(peakBytes, tf.memory().numBytes); // activations all alive here
      return loss;
    }, [...trainable.values()]);
    const named = new Map([...trainable].map(([n, v]) => [n, grads[v.name] as tf.Tensor]));
    optimizer.apply(trainable, named, 1e-4);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const ms = await timeIt(step, reps);
  const { perToken, trained } = model.flopWeights(SEQ);
  const flops = 2 * perToken * TOKENS + 2 * perToken * TOKENS + 2 * trained * TOKENS;
  const result = {
    stepMs: ms,
    tokensPerSecond: (TOKENS * 1000) / ms,
    mfu: flops / ((ms / 1000) * peak * 1e9),
    peakMemoryMB: peakBytes / 2 ** 20,
    modelGflop: flops / 1e9,
    trainableParams: [...trainable.values()].reduce((a, v) => a + v.size, 0),
    optimizerStateFloats: optimizer.stateSize(),
  };
  optimizer.dispose();
  labels.dispose();
  return result;
}

/**
 * Inference latency, interleaved so that drift in machine load hits all three alike: base (adapter bypassed),
 * LoRA unmerged, LoRA merged into the weights. After each merge/unmerge one untimed pass lets XNNPACK repack the
 * changed weights. Then the swap: unmerge one adapter, set up and merge another.
 */
async function latency(model: BenchEncoder, batch: Batch, reps: number) {
  const fwd = async () => {
    const l = tf.tidy(() => model.forward(batch));
    await l.data();
    l.dispose();
  };
  const timed = async () => {
    const t0 = performance.now();
    await fwd();
    return performance.now() - t0;
  };
  model.useMethod(METHODS.lora);
  const best = { base: Infinity, adapter: Infinity, merged: Infinity };
  let mergeMs = Infinity;
  for (let i = 0; i < reps; i++) {
    model.unmergeLora();
    model.bypass = true;
    await fwd();
    best.base = Math.min(best.base, await timed());
    model.bypass = false;
    best.adapter = Math.min(best.adapter, await timed());
    const t0 = performance.now();
    model.mergeLora();
    await model.params.get('l0.q.w')?.data();
    mergeMs = Math.min(mergeMs, performance.now() - t0);
    await fwd();
    best.merged = Math.min(best.merged, await timed());
  }
  const t0 = performance.now();
  model.unmergeLora();
  model.useMethod(METHODS.lora);
  model.mergeLora();
  await model.params.get('l0.q.w')?.data();
  const swapMs = performance.now() - t0;
  model.clearMethod();
  return { ...best, mergeMs, swapMs };
}

const report = await initBackend(opt('--backend'));
const gpu = report.backend === 'webgpu' || report.backend === 'tfjs-node-gpu';
const threads = report.backend === 'wasm' ? wasmThreadsCount() : null;
log(`backend: ${report.backend} (${report.device})${threads ? `, ${threads} thread(s)` : ''}`);
const peak = await matmulPeak(gpu);
log(`matmul peak: ${peak.toFixed(1)} GFLOP/s`);
const model = new BenchEncoder(SHAPE);
const batch = makeBatch();
const reps = gpu ? 10 : quick ? 2 : 3;
const steps = {} as Record<Method, Awaited<ReturnType<typeof trainStep>>>;
for (const name of Object.keys(METHODS) as Method[]) {
  steps[name] = await trainStep(model, METHODS[name], batch, peak, reps);
  const s = steps[name];
  log(
    `${name.padEnd(9)} step ${s.stepMs.toFixed(0).padStart(6)} ms  ${s.tokensPerSecond.toFixed(0).padStart(6)} tok/s  ` +
      `MFU ${(100 * s.mfu).toFixed(1).padStart(5)}%  peak ${s.peakMemoryMB.toFixed(0)} MB  ` +
      `trainable ${s.trainableParams}  optimizer state ${s.optimizerStateFloats} floats`,
  );
}
const lat = await latency(model, batch, gpu ? 20 : quick ? 3 : 5);
log(
  `latency per batch: base ${lat.base.toFixed(1)} ms, LoRA adapter ${lat.adapter.toFixed(1)} ms, merged ` +
    `${lat.merged.toFixed(1)} ms; merge ${lat.mergeMs.toFixed(1)} ms, adapter swap ${lat.swapMs.toFixed(1)} ms`,
);
const out = {
  backend: report.backend,
  matmulPeakGflops: peak,
  steps: Object.fromEntries(
    Object.entries(steps).map(([k, v]) => [
      k,
      { stepMs: v.stepMs, tokensPerSecond: v.tokensPerSecond, mfu: v.mfu, peakMemoryMB: v.peakMemoryMB },
    ]),
  ),
  latency: { base: lat.base, adapter: lat.adapter, merged: lat.merged },
};
const file = path.join(process.cwd(), 'test-output', `bench-engine-${report.backend}-${Date.now()}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(
  file,
  JSON.stringify({ ...out, threads, device: report.device, details: steps, swap: lat }, null, 2),
);
log(`wrote ${file}`);
if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
model.dispose();
tf.dispose([batch.ids, batch.mask, batch.types]);
await exitWhenFlushed(0);
