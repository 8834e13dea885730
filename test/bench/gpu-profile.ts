/**
 * Where a training step's time goes on the GPU. Counts the tf.js kernels of one op-by-op step, then captures the
 * step (engine/webgpu/step-capture.ts), times replays end to end, and times one replay kernel by kernel with GPU
 * timestamps: dispatches, compute passes, kernel time, replay time and GPU-busy % per step (step-profile.ts), and
 * the summed kernel time per tf.js program.
 * `node .gpu/gpu-profile.mjs [--shape tiny|small|base] [--method lora|full|houlsby|pfeiffer]` (test/bench/GPU-RUNS.md;
 * STUDIO_FUSED_EPILOGUE=0 profiles the step without the matmul epilogues). `tiny` is for lavapipe: batch 2 x 16.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';
import type { KernelTime } from '../../src-main/engine/webgpu/step-capture.ts';
import { stepProfile, transitionGaps } from '../../src-main/engine/webgpu/step-profile.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { ModelInputs } from '../../src-main/models/index.ts';
import { BENCH_METHODS, benchStep } from './bench-step.ts';
import { shapeArg, writeRandomBert } from './synthetic-model.ts';

const args = process.argv.slice(2);
const methodName = args.includes('--method') ? String(args[args.indexOf('--method') + 1]) : 'lora';
const method = BENCH_METHODS[methodName];
if (!method) throw new Error(`--method ${methodName}: expected ${Object.keys(BENCH_METHODS).join(', ')}`);
const { name: shapeName, shape } = shapeArg(args);
const report = await initBackend();
const model = loadModel(writeRandomBert(shape));
const B = shapeName === 'tiny' ? 2 : 16;
const S = shapeName === 'tiny' ? 16 : 128;
const inp: ModelInputs = {
  inputIds: tf.randomUniform([B, S], 0, shape.vocab, 'int32', 5) as tf.Tensor2D,
  attentionMask: tf.ones([B, S], 'int32') as tf.Tensor2D,
  tokenTypeIds: tf.zeros([B, S], 'int32') as tf.Tensor2D,
};
const bench = benchStep(model, method, inp, shape.labels);
await bench.eager();
const info = await tf.profile(() => bench.eager());
const out: Record<string, unknown> = {
  backend: report.backend,
  shape: shapeName,
  method: methodName,
  tfjsKernels: info.kernels.length,
};

/** Sums kernel times by a key, largest first. */
function byKey(times: KernelTime[], key: (t: KernelTime) => string, top: number) {
  const m = new Map<string, { n: number; ms: number }>();
  for (const t of times) {
    const e = m.get(key(t)) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += t.ms;
    m.set(key(t), e);
  }
  return Object.fromEntries(
    [...m]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([k, e]) => [k, { count: e.n, ms: Math.round(e.ms * 100) / 100 }]),
  );
}

if (report.backend === 'webgpu') {
  const captured = await bench.capture();
  for (let i = 0; i < 3; i++) await bench.replay(captured); // warm
  const reps = 10;
  /** Mean ms of a plain replay with the step submitted as STUDIO_REPLAY_SUBMIT says ('' is the default ramp). */
  const replayTime = async (submit: string) => {
    if (submit) process.env.STUDIO_REPLAY_SUBMIT = submit;
    else delete process.env.STUDIO_REPLAY_SUBMIT;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await bench.replay(captured);
    return (performance.now() - t0) / reps;
  };
  // The whole step in one submission, in parts of 128, and in the default ramp (replay-encode.ts submitParts),
  // timed in one run; replayMs below is the setting this run was started with (the ramp when unset).
  const submitting = process.env.STUDIO_REPLAY_SUBMIT;
  const replayBySubmission: Record<string, number> = {};
  for (const submit of ['all', '128', '']) {
    replayBySubmission[submit || 'ramp'] = Math.round((await replayTime(submit)) * 1000) / 1000;
  }
  const replayMs = await replayTime(submitting ?? '');
  const times: KernelTime[] = [];
  const timed = async (i: number, window: number) => {
    const ins = [tf.tensor1d([i], 'int32'), tf.tensor1d(bench.optimizer.nextStep(1e-4))];
    const t = await captured.profilePasses(ins, [...bench.state()], window);
    tf.dispose(ins);
    return t;
  };
  for (let i = 0; i < 3; i++) {
    const t = await timed(i, 1);
    // the last of three: warm caches and clocks
    if (i === 2) times.push(...t.map((p) => ({ label: p.labels[0] ?? '', ms: p.ms })));
  }
  // The same step with kernels in pairs, and as the plain replay's passes: the gap between dispatches on the GPU
  // itself (not the host's encoding and submission) and which transitions it comes from.
  const pairs = await timed(3, 2);
  const onePassMs = (await timed(4, Infinity)).reduce((s, p) => s + p.ms, 0);
  const kernelSum = times.reduce((s, t) => s + t.ms, 0);
  const program = (label: string) => label.replace(/\[.*$/, '');
  Object.assign(out, {
    fusedEpilogues: process.env.STUDIO_FUSED_EPILOGUE !== '0',
    ...stepProfile(captured, times, replayMs),
    replayBySubmission,
    gpuPassMs: Math.round(onePassMs * 1000) / 1000,
    gpuGapUsPerDispatch: Math.round(((onePassMs - kernelSum) * 1e5) / times.length) / 100,
    transitions: transitionGaps(times, pairs, program).slice(0, 20),
    byProgram: byKey(times, (t) => t.label.replace(/\[.*$/, ''), 25),
    byProgramAndShape: byKey(times, (t) => t.label, 30),
  });
  captured.dispose();
}
bench.dispose();
console.log(JSON.stringify(out, null, 1));
