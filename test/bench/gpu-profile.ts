/**
 * How many kernels one BERT-small LoRA training step dispatches, and which: on a GPU backend a step's time is
 * mostly per-dispatch overhead, so this is the number to bring down. `node bin/run-ts.mjs test/bench/gpu-profile.ts`
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/engine/backends.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { ModelInputs } from '../../src-main/models/index.ts';
import { benchStep } from './bench-step.ts';
import { writeRandomBert } from './synthetic-model.ts';

const report = await initBackend();
const shape = { layers: 4, hidden: 256, heads: 4, ffn: 1024, vocab: 1000, positions: 512, labels: 2 };
const model = loadModel(writeRandomBert(shape));
const B = 16;
const S = 128;
const inp: ModelInputs = {
  inputIds: tf.randomUniform([B, S], 0, shape.vocab, 'int32', 5) as tf.Tensor2D,
  attentionMask: tf.ones([B, S], 'int32') as tf.Tensor2D,
  tokenTypeIds: tf.zeros([B, S], 'int32') as tf.Tensor2D,
};
const bench = benchStep(model, { type: 'lora', r: 8, alpha: 16, dropout: 0, rslora: false }, inp, 2);
const adapter = bench.adapter;
const step = bench.eager;
await step();
// tf.profile returns the engine's one profile object, which the next profile overwrites: keep the count now.
const forwardKernels = (
  await tf.profile(() => {
    tf.tidy(() => model.forward(inp, { hooks: adapter.hooks }).logits);
  })
).kernels.length;
const info = await tf.profile(step);
const byName = new Map<string, { n: number; ms: number }>();
for (const k of info.kernels) {
  const e = byName.get(k.name) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  byName.set(k.name, e);
}
const top = [...byName].sort((a, b) => b[1].n - a[1].n).slice(0, 25);
console.log(
  JSON.stringify({
    backend: report.backend,
    forwardKernels,
    stepKernels: info.kernels.length,
    top: Object.fromEntries(top.map(([n, e]) => [n, { count: e.n, ms: Math.round(e.ms * 100) / 100 }])),
  }),
);
