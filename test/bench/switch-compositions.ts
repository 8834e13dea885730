/**
 * Switching between compositions in a loaded session on the default model (a benchmark, not a test; target
 * < 20 ms): the base stays loaded, and each request attaches a saved composition from its folder (read, build its
 * tensors), runs one forward pass on a short text and detaches it. Three bottleneck adapters with trained-looking
 * weights (like tests' library adapters) on `models/studio-bert-small`, and a stack, a parallel, an average, a
 * batch-split and a soft and a hard router over them; the median over 20 rounds of every switch.
 *
 *   node bin/run-ts.mjs test/bench/switch-compositions.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '../../src-main/adapters/methods.ts';
import { baseIdentity, createAdapter, loadAdapter, saveAdapter } from '../../src-main/adapters/index.ts';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { activeBackend, initBackend } from '../../src-main/engine/backends.ts';
import { DEFAULT_MODEL_DIR } from '../../src-main/models/default-model.ts';
import { loadModel } from '../../src-main/models/index.ts';
import { loadTokenizer } from '../../src-main/models/tokenizer/index.ts';
import { composeConfig, leaf, trainedLookingAdapter } from '../helpers/compose.ts';
import { bottleneck16 } from '../helpers/methods.ts';

const ROUNDS = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

await initBackend();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-switch-'));
// As the playground loads it for a classifier adapter: a classification head to replace.
const model = loadModel(DEFAULT_MODEL_DIR, { task: 'sequence-classification', labels: ['a', 'b'] });
const tok = loadTokenizer(DEFAULT_MODEL_DIR);
const labels = [
  ['ham', 'spam'],
  ['female', 'male'],
  ['question', 'statement'],
];
const sources: string[] = [];
for (const [i, l] of labels.entries())
  sources.push(
    await trainedLookingAdapter(model, bottleneck16('houlsby'), i + 1, path.join(tmp, `src-${i}`), l),
  );

const kids = [leaf(0), leaf(1), leaf(2)];
const recipes: [string, MethodConfig, Record<string, unknown>][] = [
  ['stack', composeConfig({ block: 'stack', children: kids }, sources), {}],
  ['parallel', composeConfig({ block: 'parallel', children: kids }, sources), {}],
  [
    'average (outputs)',
    composeConfig({ block: 'average', children: [leaf(0), leaf(0)] }, sources.slice(0, 1)),
    {},
  ],
  ['batch-split', composeConfig({ block: 'batch-split', children: kids, sizes: [1, 1, 1] }, sources), {}],
  [
    'router (soft)',
    { type: 'router', adapters: sources, mode: 'soft', perTask: 600 },
    { labels: ['01', '02', '03'] },
  ],
  [
    'router (hard)',
    { type: 'router', adapters: sources, mode: 'hard', perTask: 600 },
    { labels: ['01', '02', '03'] },
  ],
];
const dirs: [string, string][] = [];
for (const [name, config, extra] of recipes) {
  const a = createAdapter(model, config, 1, config.type === 'router' ? { numLabels: 3 } : {});
  const { type: _t, ...rest } = config;
  const dir = path.join(tmp, name.replace(/\W/g, ''));
  await saveAdapter(model, a, { ...rest, task: 'classification', ...extra }, dir, baseIdentity(model));
  a.dispose();
  dirs.push([name, dir]);
}

const enc = tok.encode('Call me Ishmael. Some years ago, never mind how long', { maxLength: 32 });
const n = enc.ids.length;
const inputs = (rows: number) => ({
  inputIds: tf.tensor2d(
    Array.from({ length: rows }, () => enc.ids),
    [rows, n],
    'int32',
  ),
  attentionMask: tf.ones([rows, n], 'int32') as tf.Tensor2D,
  tokenTypeIds: tf.tensor2d(
    Array.from({ length: rows }, () => enc.typeIds),
    [rows, n],
    'int32',
  ),
});
const times = new Map(
  dirs.map(([name]) => [name, { attach: [] as number[], forward: [] as number[], detach: [] as number[] }]),
);
for (let round = 0; round < ROUNDS + 2; round++)
  for (const [name, dir] of dirs) {
    // Parallel and batch-split answer a batch of one row per adapter.
    const x = inputs(name === 'parallel' || name === 'batch-split' ? 3 : 1);
    const t0 = performance.now();
    const a = loadAdapter(model, dir);
    const t1 = performance.now();
    const out = a.forward
      ? await a.forward(model, x)
      : tf.tidy(() => model.forward(x, { hooks: a.hooks }).logits);
    await out.data();
    const t2 = performance.now();
    a.dispose();
    const t3 = performance.now();
    tf.dispose([out, ...Object.values(x)]);
    if (round < 2) continue; // warm-up
    const t = times.get(name)!;
    t.attach.push(t1 - t0);
    t.forward.push(t2 - t1);
    t.detach.push(t3 - t2);
  }

console.log(
  `switching between compositions on ${path.basename(DEFAULT_MODEL_DIR)} (${activeBackend()}), median of ${ROUNDS}`,
);
console.log('| composition | attach (ms) | detach (ms) | switch = attach + detach (ms) | forward (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, t] of times) {
  const [a, d, f] = [median(t.attach), median(t.detach), median(t.forward)];
  console.log(`| ${name} | ${a.toFixed(2)} | ${d.toFixed(2)} | ${(a + d).toFixed(2)} | ${f.toFixed(1)} |`);
}
model.dispose();
fs.rmSync(tmp, { recursive: true, force: true });
