/**
 * Every public fixture architecture and method family on the GPU against the CPU path: forward logits on webgpu
 * against transformers' reference outputs, and five training steps (on webgpu captured: one plain, two recorded,
 * two replayed) against the same steps op by op on wasm. Needs ../shared/fixtures/hf-tiny (test/bench/GPU-RUNS.md).
 * `node bin/run-ts.mjs test/bench/gpu-models.ts`
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/backends.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { CAPTURE_MATRIX, maxWeightDiff, trainFixtureSteps } from '../helpers/capture-check.ts';
import { HF_TINY_DIR, HF_TINY_MODELS } from '../helpers/fixtures.ts';
import { loadReference } from '../helpers/reference.ts';

const dirOf = (fixture: string) => path.join(HF_TINY_DIR, fixture, 'base');

await initBackend('wasm');
const cpu = [];
for (const [fixture, method] of CAPTURE_MATRIX)
  cpu.push(await trainFixtureSteps(dirOf(fixture), method, false));

const report = await initBackend('webgpu');
const forward: Record<string, number> = {};
for (const fixture of HF_TINY_MODELS) {
  const model = loadModel(dirOf(fixture));
  const ref = loadReference(dirOf(fixture));
  const logits = tf.tidy(() => model.forward(ref.inputs).logits);
  const got = await logits.data();
  let d = 0;
  for (let i = 0; i < ref.logits.data.length; i++)
    d = Math.max(d, Math.abs((got[i] ?? 0) - (ref.logits.data[i] ?? 0)));
  forward[fixture] = d;
  tf.dispose(logits);
  ref.dispose();
  model.dispose();
}
const training = [];
for (const [i, [fixture, method]] of CAPTURE_MATRIX.entries()) {
  const gpu = await trainFixtureSteps(dirOf(fixture), method, true);
  const ref = cpu[i] as (typeof cpu)[number];
  training.push({
    fixture,
    method: method.type,
    maxLossDiff: Math.max(...gpu.losses.map((l, j) => Math.abs(l - (ref.losses[j] ?? NaN)))),
    maxWeightDiff: maxWeightDiff(gpu.weights, ref.weights),
    weightChange: ref.moved,
  });
}
console.log(
  JSON.stringify({ backend: report.backend, device: report.device, forwardMaxAbsDiff: forward, training }),
);
process.exit(0);
