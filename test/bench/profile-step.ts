/**
 * `node bin/run-ts.mjs test/bench/profile-step.ts [--method full|lora|houlsby|pfeiffer] [--top N]`: one BERT-small
 * training step of the real model (test/bench/run.ts's shape and wiring) under tf.profile, with the kernel time
 * summed per kernel name. Shows where a step goes on the active backend (wasm here) before optimising it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createAdapter } from '../../src-main/adapters/index.ts';
import { initBackend } from '../../src-main/engine/backends.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { AdamW } from '../../src-main/training/adamw.ts';
import { writeRandomBert } from './synthetic-model.ts';
import { BENCH_METHODS } from './bench-step.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] ?? dflt) : dflt;
const methodName = arg('--method', 'lora');
const top = Number(arg('--top', '25'));
const method = BENCH_METHODS[methodName];
if (!method) throw new Error(`unknown method ${methodName}`);

const report = await initBackend(undefined);
const dir = writeRandomBert({
  layers: 4,
  hidden: 256,
  heads: 4,
  ffn: 1024,
  vocab: 1000,
  positions: 512,
  labels: 2,
});
const model = loadModel(dir);
const [B, S] = [16, 128];
const inp = {
  inputIds: tf.randomUniform([B, S], 0, 1000, 'int32', 5) as tf.Tensor2D,
  attentionMask: tf.ones([B, S], 'int32') as tf.Tensor2D,
  tokenTypeIds: tf.zeros([B, S], 'int32') as tf.Tensor2D,
};
const adapter = createAdapter(model, method, 1);
const trainable = new Map<string, tf.Variable>(adapter.weights);
for (const n of adapter.baseTrainable) trainable.set(n, model.params.get(n));
const opt = new AdamW();
const labels = tf.oneHot(tf.zeros([B], 'int32') as tf.Tensor1D, 2);
const step = async () => {
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.forward(inp, { hooks: adapter.hooks, training: true }).logits,
          ) as tf.Scalar,
      ),
    [...trainable.values()],
  );
  const named = new Map([...trainable].map(([n, v]) => [n, grads[v.name] as tf.Tensor]));
  opt.apply(trainable, named, 1e-4);
  // Asynchronous: a synchronous read fails on the webgpu backend under Node (issue #16).
  await value.data();
  tf.dispose([value, ...Object.values(grads)]);
};
await step(); // warm-up
// Wall time and this process's CPU time per step (best of 3): on a shared machine CPU time is the steadier
// measure of the work a step does (one wasm thread by default), wall time is what users wait.
let wall = Infinity;
let cpu = Infinity;
for (let i = 0; i < 3; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await step();
  wall = Math.min(wall, performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu = Math.min(cpu, (c.user + c.system) / 1000);
}
const info = await tf.profile(step);
const byName = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const e = byName.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += Number(k.kernelTimeMs) || 0;
  e.n++;
  byName.set(k.name, e);
}
const total = [...byName.values()].reduce((a, e) => a + e.ms, 0);
console.log(
  `${report.backend} ${methodName}: step ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU (unprofiled); kernels ${total.toFixed(0)} ms in ${info.kernels.length} calls`,
);
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
  console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(6)} calls`);
}
// Largest single kernels by name and input shapes, to tell e.g. the big matmuls from the per-head ones.
const byShape = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  const e = byShape.get(key) ?? { ms: 0, n: 0 };
  e.ms += Number(k.kernelTimeMs) || 0;
  e.n++;
  byShape.set(key, e);
}
console.log('--- by kernel and input shapes');
for (const [name, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
  console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(5)}x  ${name}`);
}
adapter.dispose();
model.dispose();
process.exit(0);
