/**
 * `node bin/run-ts.mjs test/bench/multitask.ts [--steps N] [--json FILE] [--variants LIST] [--no-single]`: the
 * negative-transfer table of docs/COMPOSITION.md. Each task's validation accuracy under its own single-task
 * bottleneck adapter, then under one multi-task run per variant (shared adapter, shared + task-specific,
 * task-affinity attention, full multi-task
 * fine-tuning), on the default model with short budgets (minutes on 2 CPU cores).
 *
 * Tasks: the three shipped classification samples, plus one built here from the shipped text to conflict with
 * them: `names-noise`, the first-names inputs with a label drawn from a hash of the name (unrelated to anything a
 * model can learn). Fitting it pulls a shared adapter towards memorising names, which is what negative transfer
 * is made of; a task-specific adapter can take that load instead.
 *
 * Every single-task run trains N steps (default 40); a multi-task run trains N x tasks steps, so each task is
 * trained on about as many examples as alone (temperature sampling evens them out: see training/multitask.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { DatasetSpec, TrainConfig } from '../../src-shared/train-config.ts';
import '../../src-main/adapters/methods.ts';
import { loadDataset } from '../../src-main/data/index.ts';
import { initBackend } from '../../src-main/engine/backends.ts';
import { prepareMultiTask } from '../../src-main/training/multitask.ts';
import { classifierLabels, loadModelAndTokenizer, prepareRun } from '../../src-main/training/prepare.ts';
import type { TrainTask } from '../../src-main/training/task.ts';
import { trainLoop } from '../../src-main/training/trainer.ts';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const STEPS = Number(arg('--steps') ?? 40);
const jsonOut = arg('--json');
const log = (s: string) => process.stderr.write(`${s}\n`);

/** The constructed conflicting task: first names with a label from a hash of the name (seed-free, reproducible). */
function writeNoiseTask(dir: string): string {
  const names = loadDataset({ sample: 'first-names' });
  if (names.kind !== 'classification') throw new Error('first-names is a classification sample');
  const file = path.join(dir, 'names-noise.jsonl');
  const lines = names.rows.map((r) => {
    const h = crypto.createHash('sha256').update(r.text).digest()[0] as number;
    return JSON.stringify({ text: r.text, label: h % 2 === 0 ? 'even' : 'odd' });
  });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-multitask-bench-'));
const TASKS: { name: string; dataset: DatasetSpec }[] = [
  { name: 'spam', dataset: { sample: 'spam-assassin' } },
  { name: 'names', dataset: { sample: 'first-names' } },
  { name: 'questions', dataset: { sample: 'moby-questions' } },
  { name: 'names-noise', dataset: { path: writeNoiseTask(dir), text: 'text', label: 'label' } },
];
const ALL_VARIANTS = ['shared', 'shared-specific', 'affinity', 'full'] as const;
/** `--variants a,b` runs only those multi-task rows; `--no-single` skips the single-task rows (runs are seeded). */
const VARIANTS = arg('--variants')
  ? ALL_VARIANTS.filter((v) => (arg('--variants') as string).split(',').includes(v))
  : ALL_VARIANTS;
const SINGLE = !args.includes('--no-single');

const train = (steps: number, lr: number) => ({
  epochs: 100,
  batchSize: 16,
  lr,
  maxLength: 24,
  seed: 0,
  dropout: false,
  maxSteps: steps,
  maxEvalExamples: 200,
});

async function finish(task: TrainTask<unknown>, config: TrainConfig): Promise<Record<string, number>> {
  const loop = await trainLoop(task, config.train);
  if (loop.status !== 'completed') throw new Error(`${config.name}: ${loop.status}`);
  return task.evaluate();
}

async function single(t: (typeof TASKS)[number]): Promise<number> {
  const config = trainConfigSchema.parse({
    project: dir,
    model: 'default',
    name: `single ${t.name}`,
    dataset: t.dataset,
    method: { type: 'bottleneck', variant: 'pfeiffer', reductionFactor: 16 },
    train: train(STEPS, 2e-3),
  });
  const { model, tok } = loadModelAndTokenizer(config, classifierLabels(loadDataset(t.dataset)));
  const p = prepareRun(config, model, tok, config.dataset);
  try {
    return (await finish(p.task as TrainTask<unknown>, config)).accuracy ?? NaN;
  } finally {
    p.adapter.dispose();
    model.dispose();
  }
}

async function multi(variant: (typeof ALL_VARIANTS)[number]): Promise<Record<string, number>> {
  const [first, ...rest] = TASKS as [(typeof TASKS)[number], ...typeof TASKS];
  const config = trainConfigSchema.parse({
    project: dir,
    model: 'default',
    name: `multitask ${variant}`,
    dataset: first.dataset,
    method: { type: 'multitask', variant, firstTask: first.name, tasks: rest },
    // Full fine-tuning moves every weight: a smaller step, as one would pick for it alone.
    train: train(STEPS * TASKS.length, variant === 'full' ? 2e-4 : 2e-3),
  });
  const { model, tok } = loadModelAndTokenizer(config, classifierLabels(loadDataset(first.dataset)));
  const p = prepareMultiTask(config, model, tok);
  try {
    const m = await finish(p.task as TrainTask<unknown>, config);
    return Object.fromEntries(TASKS.map((t) => [t.name, m[`accuracy/${t.name}`] ?? NaN]));
  } finally {
    p.adapter.dispose();
    model.dispose();
  }
}

const t0 = performance.now();
await initBackend();
const rows: Record<string, Record<string, number>> = { single: {} };
for (const t of SINGLE ? TASKS : []) {
  (rows.single as Record<string, number>)[t.name] = await single(t);
  log(`single ${t.name}: ${(rows.single as Record<string, number>)[t.name]?.toFixed(3)}`);
}
for (const v of VARIANTS) {
  rows[v] = await multi(v);
  log(`${v}: ${JSON.stringify(rows[v])}`);
}
const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}`);
const head = `| validation accuracy (%) | ${TASKS.map((t) => t.name).join(' | ')} |`;
const table = [
  head,
  `| --- | ${TASKS.map(() => '---:').join(' | ')} |`,
  ...Object.entries(rows).map(
    ([k, r]) =>
      `| ${k === 'single' ? 'own single-task adapter' : k} | ${TASKS.map((t) => {
        const d = (r[t.name] ?? NaN) - (rows.single?.[t.name] ?? NaN);
        return k === 'single'
          ? pct(r[t.name])
          : `${pct(r[t.name])} (${d >= 0 ? '+' : ''}${(100 * d).toFixed(1)})`;
      }).join(' | ')} |`,
  ),
].join('\n');
process.stdout.write(
  `${table}\n\n${STEPS} steps per task, ${((performance.now() - t0) / 60000).toFixed(1)} min\n`,
);
if (jsonOut) fs.writeFileSync(jsonOut, `${JSON.stringify({ steps: STEPS, rows }, null, 2)}\n`);
fs.rmSync(dir, { recursive: true, force: true });
