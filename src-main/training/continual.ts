/**
 * The catastrophic-forgetting protocol: train tasks in sequence with one method and, after each stage, evaluate
 * every task seen so far. With adapters (one per task, base frozen) earlier tasks' predictions cannot change;
 * with full fine-tuning the shared weights move and earlier tasks degrade. The result is the retention matrix.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ContinualConfig, TrainConfig } from '../../src-shared/train-config.ts';
import { accountParams, createAdapter } from '../adapters/index.ts';
import type { AdapterInstance } from '../adapters/index.ts';
import type { Model } from '../models/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import { loadDataset } from '../data/index.ts';
import { classifierLabels, prepareData } from './prepare.ts';
import type { PreparedData } from './prepare.ts';
import { buildTask } from './session.ts';
import type { Batch } from './session.ts';
import type { TrainTask } from './task.ts';
import { trainLoop } from './trainer.ts';
import type { TrainerHooks } from './trainer.ts';

export interface ContinualResult {
  tasks: string[];
  /** matrix[i][j]: validation accuracy (perplexity for LM) of task j after stage i; null for j > i. */
  matrix: (number | null)[][];
  /** change[i][j]: largest |logit| change on task j's validation set since the end of stage j. */
  change: (number | null)[][];
  metric: string;
  /** A cancelled or diverged stage ends the run; the rows before it stand. */
  status: 'completed' | 'cancelled' | 'diverged';
  message?: string;
  /** Scalars trained over all stages: every stage's adapter and head (and the base once, with `full`). */
  trainableParams: number;
}

/**
 * The labels of the first classification task: a base without a classification head gets one for them when it
 * is loaded (every later task gets its own head from it, HeadCopy.forLabels).
 */
export function firstTaskLabels(config: ContinualConfig): string[] | undefined {
  for (const t of config.tasks) {
    const labels = classifierLabels(loadDataset(t.dataset));
    if (labels) return labels;
  }
  return undefined;
}

interface Stage {
  name: string;
  data: PreparedData;
  adapter: AdapterInstance;
  task: TrainTask<Batch>;
  logitsAtEnd?: Float32Array;
}

async function validationLogits(
  model: Model,
  stage: Stage & { evalTask: TrainTask<Batch> },
): Promise<Float32Array> {
  const out: number[] = [];
  for (let s = 0; s < stage.data.validation.length; s += 16) {
    const idx = Array.from({ length: Math.min(16, stage.data.validation.length - s) }, (_, i) => s + i);
    // evalTask's "training" examples are this task's validation split.
    // On webgpu a shorter batch comes padded with masked rows (length-buckets.ts): only its own rows' logits count.
    const b = stage.evalTask.makeBatch(idx, 'validation');
    const logits = tf.tidy(() =>
      model.forward(b.inputs, { hooks: stage.adapter.hooks }).logits.slice(0, idx.length),
    );
    out.push(...(await logits.data()));
    logits.dispose();
    tf.dispose(b.own);
  }
  return Float32Array.from(out);
}

export async function runContinual(
  config: ContinualConfig,
  model: Model,
  tok: TextTokenizer | null,
  hooks: {
    onStage?: (i: number, name: string) => void;
    /**
     * Stage i has trained (before it is evaluated): its adapter, to keep. Not called with `full`, whose stages
     * share base weights that later stages change, so a stage alone is no adapter.
     */
    onStageTrained?: (
      i: number,
      stage: { adapter: AdapterInstance; labels: string[]; lm: boolean },
    ) => Promise<void>;
    /** Row i of the matrix, as soon as stage i has been evaluated. */
    onRow?: (i: number, row: (number | null)[], change: (number | null)[], metric: string) => void;
    trainer?: TrainerHooks;
  } = {},
): Promise<ContinualResult> {
  const stages: (Stage & { evalTask: TrainTask<Batch> })[] = [];
  const matrix: (number | null)[][] = [];
  const change: (number | null)[][] = [];
  const full = config.method.type === 'full';
  let metric = 'accuracy';
  let trainable = full ? model.params.count() : 0;
  for (const [i, t] of config.tasks.entries()) {
    hooks.onStage?.(i, t.name);
    const data = prepareData(t.dataset, model, tok, config.train);
    if (data.lm) metric = 'perplexity';
    // Every task gets its own head; with `full` the shared base trains too, so earlier tasks can be forgotten.
    const adapter = createAdapter(model, full ? { type: 'head' } : config.method, config.train.seed + i, {
      numLabels: data.labels.length,
    });
    trainable += accountParams(model, adapter).trainable;
    const common = {
      model,
      adapter,
      numLabels: data.labels.length,
      lm: data.lm,
      padId: tok?.padId ?? 0,
      imageSize: 32,
      options: config.train,
    };
    const task = buildTask({ ...common, train: data.train, validation: data.validation });
    if (full) {
      model.params.setTrainable(() => true);
      for (const [n, v] of model.params.entries())
        (task.trainable as Map<string, tf.Variable>).set(`base/${n}`, v);
    }
    const evalTask = buildTask({ ...common, train: data.validation, validation: data.validation });
    const stage: Stage & { evalTask: TrainTask<Batch> } = { name: t.name, data, adapter, task, evalTask };
    stages.push(stage);
    const loop = await trainLoop(task, config.train as TrainConfig['train'], hooks.trainer);
    if (loop.status !== 'completed') {
      if (full) model.params.setTrainable(() => false);
      for (const s of stages) s.adapter.dispose();
      const why = loop.status === 'diverged' ? loop.message : 'cancelled';
      return {
        tasks: config.tasks.map((t) => t.name),
        matrix,
        change,
        metric,
        status: loop.status,
        message: `stage ${i + 1} (${t.name}): ${why}`,
        trainableParams: trainable,
      };
    }
    if (full) model.params.setTrainable(() => false);
    else await hooks.onStageTrained?.(i, { adapter, labels: data.labels, lm: data.lm });
    stage.logitsAtEnd = await validationLogits(model, stage);
    const row: (number | null)[] = [];
    const changes: (number | null)[] = [];
    for (const [j, s] of stages.entries()) {
      const m = await s.evalTask.evaluate();
      row.push(m[metric] ?? null);
      const now = j === i ? stage.logitsAtEnd : await validationLogits(model, s);
      let max = 0;
      const before = s.logitsAtEnd as Float32Array;
      for (let k = 0; k < now.length; k++)
        max = Math.max(max, Math.abs((now[k] as number) - (before[k] as number)));
      changes.push(max);
    }
    while (row.length < config.tasks.length) {
      row.push(null);
      changes.push(null);
    }
    matrix.push(row);
    change.push(changes);
    hooks.onRow?.(i, row, changes, metric);
  }
  for (const s of stages) s.adapter.dispose();
  return {
    tasks: config.tasks.map((t) => t.name),
    matrix,
    change,
    metric,
    status: 'completed',
    trainableParams: trainable,
  };
}
