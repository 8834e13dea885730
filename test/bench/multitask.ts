/**
 * The negative-transfer table of docs/COMPOSITION.md: each task's validation accuracy under its own single-task
 * bottleneck adapter, then under one multi-task run per variant, repeated over seeds (mean ± sd per cell).
 *
 *   node bin/run-ts.mjs test/bench/multitask.ts [options]        (or bundled: node .gpu/multitask.mjs [options])
 *
 *   --tasks LIST        of spam, names, questions, names-initial, names-noise (default: all; multitask-tasks.ts
 *                       says what the constructed ones are)
 *   --variants LIST     of shared, shared-wide, shared-specific, affinity, full (default: all)
 *   --no-single         skip the single-task rows
 *   --steps N           a single-task run's optimizer steps (default 40)
 *   --match WHAT        what a multi-task run keeps equal to each single-task run (each task sees about as many
 *                       examples either way): `updates` (default): N steps of batch x tasks rows, so every weight
 *                       gets as many optimizer updates; `examples`: N x tasks steps of batch rows (the first
 *                       version of the table), where the shared adapter and heads get tasks times the updates
 *   --seeds N           repeat every row over seeds 0..N-1 (default 1); the seed also draws the split
 *   --max-length N      tokens per example (default 24; names are at most 8)
 *   --eval N            validation examples per task (default 200; 0: the whole validation split)
 *   --batch N           batch size (default 16)
 *   --rf R              shared adapter width = hidden / R, and the single-task adapter's (default 16)
 *   --specific-rf R     each task-specific adapter's width = hidden / R (default 64)
 *   --backend NAME      engine backend (default wasm; webgpu on the GPU machine)
 *   --minutes M         start no seed that would end after M minutes (default: no limit); the table is printed
 *                       after every seed either way
 *   --json FILE         every value per seed, and the options (rewritten after every seed)
 *
 * `shared-wide` is a control, not a method: the shared variant with one adapter as wide as shared-specific's
 * shared and task-specific adapters together. If it recovers as much as shared-specific does, the recovery is
 * capacity, not the task-specific split.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import '../../src-main/adapters/methods.ts';
import { loadDataset } from '../../src-main/data/index.ts';
import { initBackend } from '../../src-main/engine/backends.ts';
import { prepareMultiTask } from '../../src-main/training/multitask.ts';
import { classifierLabels, loadModelAndTokenizer, prepareRun } from '../../src-main/training/prepare.ts';
import type { TrainTask } from '../../src-main/training/task.ts';
import { trainLoop } from '../../src-main/training/trainer.ts';
import { benchTasks, formatTable, pickNames, TASK_NAMES, wideFactor } from './multitask-tasks.ts';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const int = (name: string, fallback: number, min = 1): number => {
  const raw = arg(name);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name}: expected an integer >= ${min}, got ${raw}`);
  return v;
};
const num = (name: string, fallback: number): number => {
  const v = Number(arg(name) ?? fallback);
  if (!(v > 0)) throw new Error(`${name}: expected a positive number`);
  return v;
};
const log = (s: string) => process.stderr.write(`${s}\n`);

function matchOf(v: string): 'updates' | 'examples' {
  if (v !== 'updates' && v !== 'examples') throw new Error(`--match: updates or examples, not ${v}`);
  return v;
}

const VARIANTS_ALL = ['shared', 'shared-wide', 'shared-specific', 'affinity', 'full'] as const;
type Variant = (typeof VARIANTS_ALL)[number];
const opts = {
  steps: int('--steps', 40),
  seeds: int('--seeds', 1),
  maxLength: int('--max-length', 24, 4),
  maxEvalExamples: int('--eval', 200, 0),
  batchSize: int('--batch', 16),
  rf: num('--rf', 16),
  specificRf: num('--specific-rf', 64),
  backend: arg('--backend') ?? 'wasm',
  minutes: num('--minutes', Infinity),
  tasks: pickNames(arg('--tasks'), TASK_NAMES, 'tasks'),
  variants: pickNames(arg('--variants'), VARIANTS_ALL, 'variants'),
  single: !args.includes('--no-single'),
  match: matchOf(arg('--match') ?? 'updates'),
};
if (opts.tasks.length < 2) throw new Error('--tasks: a multi-task run needs two or more tasks');
const jsonOut = arg('--json');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-multitask-bench-'));
const TASKS = benchTasks(dir, opts.tasks);

const train = (steps: number, lr: number, seed: number, batchSize = opts.batchSize) => ({
  epochs: 1000,
  batchSize,
  lr,
  maxLength: opts.maxLength,
  seed,
  dropout: false,
  maxSteps: steps,
  maxEvalExamples: opts.maxEvalExamples,
});

/** Trains to the end; the loop's last evaluation (after the last step) is the result. */
async function finish(task: TrainTask<unknown>, config: TrainConfig): Promise<Record<string, number>> {
  const loop = await trainLoop(task, config.train);
  if (loop.status === 'diverged') throw new Error(`${config.name}: ${loop.message}`);
  if (loop.status !== 'completed') throw new Error(`${config.name}: ${loop.status}`);
  return loop.lastMetrics;
}

async function single(t: (typeof TASKS)[number], seed: number): Promise<number> {
  const config = trainConfigSchema.parse({
    project: dir,
    model: 'default',
    name: `single ${t.name}`,
    dataset: t.dataset,
    method: { type: 'bottleneck', variant: 'pfeiffer', reductionFactor: opts.rf },
    train: train(opts.steps, 2e-3, seed),
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

async function multi(variant: Variant, seed: number): Promise<Record<string, number>> {
  const [first, ...rest] = TASKS as [(typeof TASKS)[number], ...typeof TASKS];
  const { model, tok } = loadModelAndTokenizer(
    { model: 'default' },
    classifierLabels(loadDataset(first.dataset)),
  );
  const H = model.config.hiddenSize;
  // Full fine-tuning moves every weight: a smaller step, as one would pick for it alone.
  const lr = variant === 'full' ? 2e-4 : 2e-3;
  const config = trainConfigSchema.parse({
    project: dir,
    model: 'default',
    name: `multitask ${variant}`,
    dataset: first.dataset,
    method: {
      type: 'multitask',
      variant: variant === 'shared-wide' ? 'shared' : variant,
      firstTask: first.name,
      tasks: rest,
      reductionFactor:
        variant === 'shared-wide' ? wideFactor(H, opts.rf, opts.specificRf, TASKS.length) : opts.rf,
      specificReductionFactor: opts.specificRf,
    },
    train:
      opts.match === 'updates'
        ? train(opts.steps, lr, seed, opts.batchSize * TASKS.length)
        : train(opts.steps * TASKS.length, lr, seed),
  });
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
const report = await initBackend(opts.backend);
log(`backend: ${report.backend} (${report.device}); ${JSON.stringify(opts)}`);
const min = () => ((performance.now() - t0) / 60000).toFixed(1);
/** rows[kind][task]: one accuracy per seed. */
const rows: Record<string, Record<string, number[]>> = {};
const add = (kind: string, task: string, v: number) => {
  const r = (rows[kind] ??= {});
  (r[task] ??= []).push(v);
};
if (opts.single) rows.single = {};
for (const v of opts.variants) rows[v] = {};
const LABELS = {
  single: 'own single-task adapter',
  shared: 'shared adapter',
  'shared-wide': 'shared, as wide as shared + specific (control)',
  'shared-specific': 'shared + task-specific',
  affinity: 'affinity (task-gated attention)',
  full: 'full multi-task fine-tuning',
};
/** The table of the seeds done so far (printed after each, so a run stopped from outside still leaves one). */
const emit = (seedsDone: number, note: string) => {
  const table = formatTable(
    TASKS.map((t) => t.name),
    rows,
    LABELS,
  );
  process.stdout.write(
    `${table}\n\n${opts.steps} steps, batch ${opts.batchSize}, multi-task runs matching ${opts.match}, ${seedsDone} seed(s), ${report.backend}, ${min()} min${note}\n\n`,
  );
  if (jsonOut) fs.writeFileSync(jsonOut, `${JSON.stringify({ options: opts, seedsDone, rows }, null, 2)}\n`);
};
for (let seed = 0; seed < opts.seeds; seed++) {
  for (const t of opts.single ? TASKS : []) {
    const acc = await single(t, seed);
    add('single', t.name, acc);
    log(`[${min()} min] seed ${seed} single ${t.name}: ${acc.toFixed(3)}`);
  }
  for (const v of opts.variants) {
    const accs = await multi(v, seed);
    for (const [task, acc] of Object.entries(accs)) add(v, task, acc);
    log(`[${min()} min] seed ${seed} ${v}: ${JSON.stringify(accs)}`);
  }
  const elapsed = (performance.now() - t0) / 60000;
  // Seeds take about equally long: start another only if it should end within --minutes.
  const late = seed + 1 < opts.seeds && elapsed * ((seed + 2) / (seed + 1)) > opts.minutes;
  emit(
    seed + 1,
    late ? ` (stopped before seed ${seed + 1}: it would end after --minutes ${opts.minutes})` : '',
  );
  if (late) break;
}
fs.rmSync(dir, { recursive: true, force: true });
