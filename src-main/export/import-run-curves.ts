/**
 * The metric history of a run trained outside the studio, as metric points: our JSONL log (train.py's
 * output/metrics.jsonl: one object per logged step, `{"step", "split", <metric>: value, ...}`) or transformers'
 * trainer_state.json (`log_history`: `{"step", "loss", "learning_rate"}` and `{"step", "eval_loss", ...}`). Read
 * strictly like a bundle's curves: a line that is not what it should be is refused, naming the line.
 */
import fs from 'node:fs';
import type { MetricPoint, MetricSplit } from '../db/tables/metrics.ts';
import { UserError } from '../errors.ts';

/** A run's log is small; this bounds what a hostile or mistaken file can make us read. */
export const MAX_LOG_BYTES = 64 * 1024 * 1024;
const NAME = /^[A-Za-z][A-Za-z0-9_./:-]{0,63}$/;
/** Bookkeeping fields that are not curves. */
const NOT_METRICS = new Set(['step', 'split', 'epoch', 'total_flos', 'grad_norm']);
/** trainer_state.json's names -> the studio's. */
const HF_NAMES: Record<string, string> = { learning_rate: 'lr' };
/** Trainer's timing fields: not metrics of the model. */
const HF_TIMING = /(_runtime|_per_second)$/;

function readText(file: string): string {
  const size = fs.statSync(file).size;
  if (size > MAX_LOG_BYTES)
    throw new UserError(`${file}: ${size} bytes, more than the ${MAX_LOG_BYTES} a run's log may be`);
  return fs.readFileSync(file, 'utf8');
}

function point(file: string, where: string, split: MetricSplit, name: string, step: number, value: unknown) {
  if (!NAME.test(name)) throw new UserError(`${file}: ${where}: "${name.slice(0, 64)}" is not a metric name`);
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new UserError(`${file}: ${where}: ${name} is not a finite number`);
  return { split, name, step, value };
}

function stepOf(file: string, where: string, raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0)
    throw new UserError(`${file}: ${where}: step must be a non-negative integer`);
  return raw;
}

/** Our JSONL log: every line an object with an integer step, a split and finite numbers. */
export function parseMetricsJsonl(file: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  const lines = readText(file).split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const where = `line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new UserError(`${file}: ${where} is not JSON`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new UserError(`${file}: ${where} is not a JSON object`);
    const entry = raw as Record<string, unknown>;
    const step = stepOf(file, where, entry.step);
    const split = entry.split;
    if (split !== 'train' && split !== 'validation')
      throw new UserError(`${file}: ${where}: split must be "train" or "validation"`);
    for (const [name, value] of Object.entries(entry))
      if (!NOT_METRICS.has(name)) points.push(point(file, where, split, name, step, value));
  });
  return points;
}

/** transformers' trainer_state.json: its log_history, eval_* entries as validation metrics. */
export function parseTrainerState(file: string): MetricPoint[] {
  let state: unknown;
  try {
    state = JSON.parse(readText(file));
  } catch {
    throw new UserError(`${file}: not valid JSON`);
  }
  const history = (state as { log_history?: unknown } | null)?.log_history;
  if (!Array.isArray(history))
    throw new UserError(`${file}: log_history is missing: not a trainer_state.json`);
  const points: MetricPoint[] = [];
  history.forEach((raw: unknown, i) => {
    const where = `log_history[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new UserError(`${file}: ${where} is not an object`);
    const entry = raw as Record<string, unknown>;
    const step = stepOf(file, where, entry.step);
    for (const [key, value] of Object.entries(entry)) {
      // The run's summary line (train_loss, train_runtime) repeats what the steps logged.
      if (NOT_METRICS.has(key) || HF_TIMING.test(key) || key.startsWith('train_')) continue;
      const evalName = key.startsWith('eval_') ? key.slice('eval_'.length) : null;
      const name = evalName ?? HF_NAMES[key] ?? key;
      points.push(point(file, where, evalName ? 'validation' : 'train', name, step, value));
    }
  });
  return points;
}
