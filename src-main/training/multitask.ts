/**
 * A multi-task run: every task's data prepared as a single run's would be, one adapter with a head per task, and
 * one TrainTask whose "examples" are a sampling table over the tasks.
 *
 * Sampling is temperature-based (Arivazhagan et al. 2019; also mT5's): task t gets a share of each epoch
 * proportional to n_t^(1/T). T = 1 is proportional sampling (the big task drowns the small ones: spam-assassin
 * has 4x moby-questions' rows), a large T is uniform (the small task is repeated until it is memorised); the
 * default T = 2 sits between. The epoch keeps the total size, so a run's step count stays what the user expects.
 * A batch mixes tasks; its loss is the row-weighted mean of each task's sub-batch through that task's hooks.
 */
import * as tf from '@tensorflow/tfjs-core';
import path from 'node:path';
import type { DatasetSpec, TrainConfig } from '../../src-shared/train-config.ts';
import { createAdapter } from '../adapters/index.ts';
import type { AdapterInstance, TaskLabels } from '../adapters/index.ts';
import { MultiTaskAdapter } from '../adapters/multitask/index.ts';
import { TASK_NAME } from '../adapters/multitask/schema.ts';
import { loadDataset } from '../data/index.ts';
import { UserError } from '../errors.ts';
import type { Model } from '../models/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import { classifierLabels, prepareData } from './prepare.ts';
import type { PreparedData } from './prepare.ts';
import { buildTask } from './session.ts';
import type { Batch } from './session.ts';
import type { TrainTask } from './task.ts';

/** A task's default name: the sample's name, or the file's name without its extensions, as a valid task name. */
export function taskNameOf(spec: DatasetSpec): string {
  const raw = 'sample' in spec ? spec.sample : path.basename(spec.path).replace(/\..*$/, '');
  const name = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 48);
  return TASK_NAME.test(name) ? name : 'task-1';
}

/** Every task of a multi-task config, the run's own dataset first. */
export function multiTaskSpecs(config: TrainConfig): { name: string; dataset: DatasetSpec }[] {
  if (config.method.type !== 'multitask')
    return [{ name: taskNameOf(config.dataset), dataset: config.dataset }];
  const m = config.method;
  if (!m.tasks?.length) throw new UserError('method.tasks: a multi-task run needs at least one other task');
  const all = [{ name: m.firstTask ?? taskNameOf(config.dataset), dataset: config.dataset }, ...m.tasks];
  const names = all.map((t) => t.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UserError(`method.tasks: two tasks are named "${twice}"; give each its own name`);
  return all;
}

/**
 * How many of each task's examples one epoch holds: n_t^(1/T) shares of the total, rounded so they add up to it
 * (largest remainders first), and at least one per task.
 */
export function taskShares(sizes: readonly number[], temperature: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const w = sizes.map((n) => n ** (1 / temperature));
  const sum = w.reduce((a, b) => a + b, 0);
  const exact = w.map((x) => (x / sum) * total);
  const counts = exact.map((x) => Math.max(1, Math.floor(x)));
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < total; k++) {
    const i = (order[k % order.length] as readonly [number, number])[1];
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** A seeded permutation (mulberry32), so a resumed run draws the same table. */
function permutation(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

/**
 * The epoch's slots as [task, example] pairs: each task's share, cycling through seeded permutations of its
 * examples (an up-sampled task sees every example before any repeats; a down-sampled one a seeded subset).
 */
export function samplingTable(
  sizes: readonly number[],
  temperature: number,
  seed: number,
): [number, number][] {
  const out: [number, number][] = [];
  for (const [t, count] of taskShares(sizes, temperature).entries()) {
    const n = sizes[t] as number;
    let p: number[] = [];
    for (let k = 0; k < count; k++) {
      if (k % n === 0) p = permutation(n, seed * 131 + t * 7919 + k / n);
      out.push([t, p[k % n] as number]);
    }
  }
  return out;
}

export interface MultiBatch {
  parts: { task: number; rows: number; batch: Batch }[];
  units: number;
}

/** One adapter's view answering one task (buildTask reads `hooks` once per forward pass). */
const viewOf = (adapter: MultiTaskAdapter, t: number): AdapterInstance => ({
  method: adapter.method,
  hooks: adapter.hooksFor(t),
  weights: adapter.weights,
  baseTrainable: adapter.baseTrainable,
  merged: false,
  dispose: () => undefined,
});

export interface PreparedMultiTask {
  data: PreparedData;
  adapter: MultiTaskAdapter;
  task: TrainTask<MultiBatch>;
  tasks: { name: string; data: PreparedData }[];
}

export function prepareMultiTask(
  config: TrainConfig,
  model: Model,
  tok: TextTokenizer | null,
): PreparedMultiTask {
  if (config.method.type !== 'multitask') throw new Error('prepareMultiTask: not a multitask config');
  const specs = multiTaskSpecs(config);
  const tasks = specs.map((s) => {
    const data = prepareData(s.dataset, model, tok, config.train);
    if (data.lm || data.labels.length === 0)
      throw new UserError(`task ${s.name}: a multi-task run trains classification tasks`);
    if (data.train.length === 0) throw new UserError(`task ${s.name}: the training split is empty`);
    return { name: s.name, data };
  });
  const adapter = createAdapter(model, config.method, config.train.seed, {
    tasks: tasks.map((t) => ({ name: t.name, labels: t.data.labels })),
  });
  if (!(adapter instanceof MultiTaskAdapter)) throw new Error('multitask: the registry made another method');
  const task = buildMultiTask(
    model,
    adapter,
    tasks,
    config.train,
    tok?.padId ?? 0,
    config.method.temperature,
  );
  return { data: (tasks[0] as { data: PreparedData }).data, adapter, task, tasks };
}

/** Each task's name and labels, read from its dataset (pre-flight and the New-run preview count its heads). */
export function multiTaskLabels(config: TrainConfig): TaskLabels[] | undefined {
  if (config.method.type !== 'multitask') return undefined;
  return multiTaskSpecs(config).map((s) => {
    const labels = classifierLabels(loadDataset(s.dataset));
    if (!labels) throw new UserError(`task ${s.name}: a multi-task run trains classification tasks`);
    return { name: s.name, labels };
  });
}

export function buildMultiTask(
  model: Model,
  adapter: MultiTaskAdapter,
  tasks: readonly { name: string; data: PreparedData }[],
  options: TrainConfig['train'],
  padId: number,
  temperature: number,
): TrainTask<MultiBatch> {
  const subs = tasks.map((t, i) =>
    buildTask({
      model,
      adapter: viewOf(adapter, i),
      train: t.data.train,
      validation: t.data.validation,
      numLabels: t.data.labels.length,
      lm: false,
      padId,
      imageSize: 32,
      options,
      // Sub-batches are small and uneven: padding each to its own longest row is what buildTask does eagerly.
      fixedLength: undefined,
    }),
  );
  const table = samplingTable(
    tasks.map((t) => t.data.train.length),
    temperature,
    options.seed,
  );
  return makeMultiTask(
    subs,
    tasks.map((t) => t.name),
    table,
    options.seed,
  );
}

function makeMultiTask(
  subs: TrainTask<Batch>[],
  names: readonly string[],
  table: readonly [number, number][],
  seed: number,
): TrainTask<MultiBatch> {
  const first = subs[0] as TrainTask<Batch>;
  return {
    trainable: first.trainable,
    trainSize: table.length,
    makeBatch(indices, split) {
      const byTask = new Map<number, number[]>();
      for (const i of indices) {
        const [t, e] = table[i] as [number, number];
        byTask.set(t, [...(byTask.get(t) ?? []), e]);
      }
      const parts = [...byTask].map(([task, idx]) => ({
        task,
        rows: idx.length,
        batch: (subs[task] as TrainTask<Batch>).makeBatch(idx, split),
      }));
      return { parts, units: parts.reduce((a, p) => a + p.batch.units, 0) };
    },
    disposeBatch: (b) => {
      for (const p of b.parts) (subs[p.task] as TrainTask<Batch>).disposeBatch(p.batch);
    },
    loss(b, o) {
      const rows = b.parts.reduce((a, p) => a + p.rows, 0);
      return tf.tidy(() =>
        b.parts
          .map((p) => (subs[p.task] as TrainTask<Batch>).loss(p.batch, o).mul(p.rows / rows))
          .reduce((a, x) => a.add(x)),
      ) as tf.Scalar;
    },
    dropoutSeed: (step) => (seed * 7919 + step) >>> 0,
    batchUnits: (b) => b.units,
    async evaluate(onProgress) {
      const out: Record<string, number> = {};
      const sums: Record<string, number> = {};
      for (const [t, sub] of subs.entries()) {
        const m = await sub.evaluate((done, total) => onProgress?.(t * total + done, subs.length * total));
        for (const [k, v] of Object.entries(m)) {
          out[`${k}/${names[t]}`] = v;
          sums[k] = (sums[k] ?? 0) + v;
        }
      }
      // The run's headline metrics are the tasks' means (each task counts once, whatever its size).
      for (const [k, v] of Object.entries(sums)) out[k] = v / subs.length;
      return out;
    },
  };
}
