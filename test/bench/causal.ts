/**
 * Our side of `gpu-compare --big / --generate` (issue #20), one shape per process so each peak starts from an empty
 * GPU: `node .gpu/causal.mjs --shape gpt2-medium|llama-1b [--tiny] [--json]` times a LoRA step (r 8, alpha 16 on
 * PEFT's targets, batch 4 x 256 tokens, AdamW) of a random-weight causal LM; `--generate` times greedy decoding
 * with the KV cache on GPT-2 small, batch 1 and 16. Every timing is the median of >= 20 steps after warm-up, each
 * step ending with a read-back (the GPU's work finished), as torch_peer.py does with cuda.synchronize.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activeBackend, initBackend } from '../../src-main/engine/backends.ts';
import { gpuLimits } from '../../src-main/engine/webgpu/gpu-limits.ts';
import { UserError } from '../../src-main/errors.ts';
import { KvCache } from '../../src-main/models/base/kv-cache.ts';
import { checkGpuFit, gpuMemoryFromEnv } from '../../src-main/training/preflight/gpu-fit.ts';
import { estimateMemory, estimateTrainable } from '../../src-main/training/preflight/sizes.ts';
import type { ModelDims } from '../../src-main/training/preflight/sizes.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import type { Model } from '../../src-main/models/base/types.ts';
import { benchStep } from './bench-step.ts';
import { CAUSAL_SHAPES, LORA_TARGETS, TINY_SHAPES, paramCount, randomCausalLm } from './causal-shapes.ts';
import type { CausalShape, CausalShapeName } from './causal-shapes.ts';
import { GpuPeak, median } from './gpu-peak.ts';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const log = (s: string) => process.stderr.write(`${s}\n`);
const tiny = args.includes('--tiny');
const REPS = Number(arg('--reps') ?? 20);
/** The step's batch: 4 sequences of 256 tokens (1,024 tokens, the same on both sides). */
export const STEP_BATCH = tiny ? 2 : 4;
export const STEP_SEQ = tiny ? 16 : 256;
const PROMPT = tiny ? 8 : 32;
const NEW_TOKENS = tiny ? 24 : 64;

const shapeOf = (name: string): CausalShape => {
  if (!(name in CAUSAL_SHAPES))
    throw new Error(`--shape ${name}: expected ${Object.keys(CAUSAL_SHAPES).join(', ')}`);
  return (tiny ? TINY_SHAPES : CAUSAL_SHAPES)[name as CausalShapeName];
};

/** A read-back: tf.js submits every encoded command first, so its temporaries are back in the free pool. */
async function flush(): Promise<void> {
  const probe = tf.zeros([1]);
  await probe.data();
  probe.dispose();
}

/** Ids in [0, vocab) from a fixed generator (the same batch every step, as the BERT bench). */
function randomIds(rows: number, cols: number, vocab: number, seed: number): tf.Tensor2D {
  let s = seed >>> 0;
  const ids = Int32Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    return s % vocab;
  });
  return tf.tensor2d(ids, [rows, cols], 'int32');
}

/** The dimensions the studio's memory checks read (training/preflight), for the shape as this bench trains it. */
function stepCheck(shape: CausalShape): { config: TrainConfig; dims: ModelDims } {
  const headDim = shape.hidden / shape.heads;
  const config = trainConfigSchema.parse({
    project: 'bench',
    model: 'random',
    dataset: { path: 'bench.jsonl' },
    method: { type: 'lora', r: 8, alpha: 16, targets: LORA_TARGETS[shape.arch] },
    train: { batchSize: STEP_BATCH, maxLength: STEP_SEQ },
  });
  const widths = shape.arch === 'gpt2' ? [shape.hidden] : [shape.hidden, shape.kvHeads * headDim];
  const dims: ModelDims = {
    inputKind: 'text',
    hiddenSize: shape.hidden,
    numLayers: shape.layers,
    numHeads: shape.heads,
    kvHeads: shape.kvHeads,
    vocabSize: shape.vocab,
    maxPositions: shape.positions,
    ffnSize: shape.ffn,
    gatedFfn: shape.arch === 'llama',
    imageTokens: 0,
    totalParams: paramCount(shape),
    outputsPerToken: shape.vocab,
    causalLm: true,
    loraTargetWidths: Array.from({ length: shape.layers }, () => widths).flat(),
  };
  return { config, dims };
}

async function loraStep(name: string, shape: CausalShape, peak: GpuPeak) {
  // The training process's own check first (training/preflight/gpu-fit.ts): a shape the device cannot hold is
  // reported in its one line instead of failing somewhere inside tf.js.
  const { config, dims } = stepCheck(shape);
  const count = (c: TrainConfig) => estimateTrainable(c, dims);
  const estimateMB = estimateMemory(config, dims, count(config)).total;
  const limits = gpuLimits();
  if (limits) {
    try {
      checkGpuFit(config, dims, { ...limits, memoryBytes: gpuMemoryFromEnv() }, count);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      log(`${name}: refused: ${err.message}`);
      return { error: err.message, estimateMB };
    }
  }
  const t0 = performance.now();
  const model = randomCausalLm(shape);
  await flush();
  peak.dropFreePool();
  const ids = randomIds(STEP_BATCH, STEP_SEQ, shape.vocab, 5);
  const method = {
    type: 'lora' as const,
    r: 8,
    alpha: 16,
    dropout: 0,
    rslora: false,
    targets: LORA_TARGETS[shape.arch],
  };
  const bench = benchStep(model, method, { inputIds: ids }, 2, { lm: true });
  log(
    `${name}: ${(model.params.count() / 1e6).toFixed(1)}M weights built in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  const times: number[] = [];
  let mode = 'eager';
  let kernels: number | undefined;
  const eagerMs: number[] = [];
  await bench.eager(); // pipelines compiled, optimizer state created
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await bench.eager();
    eagerMs.push(performance.now() - t);
  }
  let step = bench.eager;
  if (activeBackend() === 'webgpu') {
    // The training loop's own path on a GPU: the step captured once, then replayed.
    const captured = await bench.capture();
    kernels = captured.kernels;
    mode = 'captured';
    step = () => bench.replay(captured);
    await step(); // warm-up
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      await step();
      times.push(performance.now() - t);
    }
    captured.dispose();
  } else {
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      await step();
      times.push(performance.now() - t);
    }
  }
  const trainable = bench.adapter.weights.size;
  const result = {
    stepMs: median(times),
    steps: times.length,
    mode,
    eagerStepMs: median(eagerMs),
    ...(kernels !== undefined ? { capturedKernels: kernels } : {}),
    ...peak.report(),
    estimateMB,
    params: model.params.count(),
    expectedParams: paramCount(shape),
    trainableTensors: trainable,
    batch: STEP_BATCH,
    seq: STEP_SEQ,
  };
  bench.dispose();
  ids.dispose();
  model.dispose();
  return result;
}

/** One greedy generation of `batch` rows: prefill, then a step per token, each read back (as the studio's decode). */
async function greedy(model: Model, prompt: tf.Tensor2D, newTokens: number) {
  const [batch] = prompt.shape;
  const vocab = model.config.vocabSize ?? 0;
  const cache = new KvCache();
  const pick = (inputIds: tf.Tensor2D) =>
    tf.tidy(() => {
      const { logits } = model.forward({ inputIds }, { cache });
      const seq = logits.shape[1] as number;
      return tf.argMax(logits.slice([0, seq - 1, 0], [batch, 1, vocab]).reshape([batch, vocab]), -1);
    });
  const t0 = performance.now();
  let next = pick(prompt);
  await next.data();
  const prefillMs = performance.now() - t0;
  const stepMs: number[] = [];
  for (let i = 1; i < newTokens; i++) {
    const t = performance.now();
    const input = next.reshape([batch, 1]) as tf.Tensor2D;
    const n2 = pick(input);
    tf.dispose([next, input]);
    next = n2;
    await next.data();
    stepMs.push(performance.now() - t);
  }
  next.dispose();
  cache.dispose();
  return { prefillMs, stepMs };
}

async function generation(shape: CausalShape, peak: GpuPeak) {
  const model = randomCausalLm(shape);
  await flush();
  peak.dropFreePool();
  const out: Record<string, unknown> = {};
  for (const batch of [1, 16]) {
    const prompt = randomIds(batch, PROMPT, shape.vocab, 11);
    await greedy(model, prompt, NEW_TOKENS); // warm-up: every cache length's kernels compiled
    const r = await greedy(model, prompt, NEW_TOKENS);
    prompt.dispose();
    const ms = median(r.stepMs);
    out[`batch${batch}`] = {
      tokensPerSecond: (batch * 1000) / ms,
      stepMs: ms,
      steps: r.stepMs.length,
      prefillMs: r.prefillMs,
    };
    log(
      `generate batch ${batch}: ${((batch * 1000) / ms).toFixed(0)} tokens/s (step ${ms.toFixed(2)} ms, prefill ${r.prefillMs.toFixed(1)} ms)`,
    );
  }
  const memory = peak.report();
  model.dispose();
  return { ...out, prompt: PROMPT, newTokens: NEW_TOKENS, ...memory };
}

const report = await initBackend(arg('--backend'));
const peak = new GpuPeak();
const before = tf.memory().numTensors;
const name = arg('--shape') ?? (args.includes('--generate') ? 'gpt2-small' : 'gpt2-medium');
const shape = shapeOf(name);
log(
  `backend: ${report.backend} (${report.device})${tiny ? ', tiny shapes' : ''}; GPU limits ${JSON.stringify(gpuLimits())}`,
);
const result = args.includes('--generate')
  ? await generation(shape, peak)
  : await loraStep(name, shape, peak);
const leaked = tf.memory().numTensors - before;
const out = {
  backend: report.backend,
  device: report.device,
  shape: name,
  tiny,
  ...result,
  leakedTensors: leaked,
};
log(JSON.stringify(out));
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(out)}\n`);
peak.dispose();
process.exit(leaked === 0 ? 0 : 1);
