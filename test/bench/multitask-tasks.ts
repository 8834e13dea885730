/**
 * The tasks of the multi-task bench (test/bench/multitask.ts) and the arithmetic of its table. Two tasks are built
 * here from the shipped first-names sample, on the very inputs of `names` (a name; its label is the gender):
 *
 * - `names-initial`: whether the name starts with a letter from A to I. It splits the names almost in half (47%)
 *   and is nearly independent of gender (55% of the A-I names are female, 57% of all), so it is a real, learnable
 *   task that needs a different feature of the same inputs (the first word piece, where gender sits mostly in the
 *   ending). Through one small shared adapter the two tasks compete for the same few units per layer; a
 *   task-specific adapter gives each its own. This is the conflict the table is about.
 * - `names-noise`: a label from a hash of the name, which nothing can learn. Its gradients are noise in the shared
 *   adapter (the weaker conflict the first version of the table used).
 *
 * Both are written as JSONL files from the sample each time (no new sample is shipped), so they cannot drift from it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { loadDataset } from '../../src-main/data/index.ts';

export const TASK_NAMES = ['spam', 'names', 'questions', 'names-initial', 'names-noise'] as const;
export type BenchTaskName = (typeof TASK_NAMES)[number];

/** `names-initial`'s label: the first letter of the name in A-I or in J-Z (case ignored). */
export function initialLabel(name: string): 'a-i' | 'j-z' {
  const first = name.trim().charAt(0).toLowerCase();
  if (!/^[a-z]$/.test(first)) throw new Error(`names-initial: "${name}" does not start with a letter`);
  return first <= 'i' ? 'a-i' : 'j-z';
}

/** `names-noise`'s label: the parity of the first byte of the name's SHA-256 (seed-free, reproducible). */
export function noiseLabel(name: string): 'even' | 'odd' {
  const h = crypto.createHash('sha256').update(name).digest()[0] as number;
  return h % 2 === 0 ? 'even' : 'odd';
}

/** The first-names rows relabelled by `label`, as a JSONL file in `dir`. */
function writeNamesTask(dir: string, file: string, label: (name: string) => string): string {
  const names = loadDataset({ sample: 'first-names' });
  if (names.kind !== 'classification') throw new Error('first-names is a classification sample');
  const out = path.join(dir, file);
  const lines = names.rows.map((r) => JSON.stringify({ text: r.text, label: label(r.text) }));
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
  return out;
}

/** Every task the bench knows, by name; the constructed ones are written into `dir`. */
export function benchTasks(
  dir: string,
  names: readonly BenchTaskName[],
): { name: string; dataset: DatasetSpec }[] {
  const spec = (name: BenchTaskName): DatasetSpec => {
    switch (name) {
      case 'spam':
        return { sample: 'spam-assassin' };
      case 'names':
        return { sample: 'first-names' };
      case 'questions':
        return { sample: 'moby-questions' };
      case 'names-initial':
        return {
          path: writeNamesTask(dir, 'names-initial.jsonl', initialLabel),
          text: 'text',
          label: 'label',
        };
      case 'names-noise':
        return { path: writeNamesTask(dir, 'names-noise.jsonl', noiseLabel), text: 'text', label: 'label' };
    }
  };
  return names.map((name) => ({ name, dataset: spec(name) }));
}

/**
 * The reduction factor of the `shared-wide` control: one adapter as wide as shared-specific's shared adapter and
 * its `tasks` task-specific ones together. Widths are floor(hidden / factor); + 0.5 keeps float rounding from
 * taking a unit off.
 */
export function wideFactor(hidden: number, rf: number, specificRf: number, tasks: number): number {
  const width = Math.floor(hidden / rf) + tasks * Math.floor(hidden / specificRf);
  return hidden / (width + 0.5);
}

/** Parses a comma-separated list against the allowed names; an unknown one is an error that lists them. */
export function pickNames<T extends string>(list: string | undefined, all: readonly T[], what: string): T[] {
  if (list === undefined) return [...all];
  const wanted = list.split(',').filter(Boolean);
  const bad = wanted.filter((w) => !(all as readonly string[]).includes(w));
  if (bad.length > 0) throw new Error(`--${what}: unknown ${bad.join(', ')} (choose from ${all.join(', ')})`);
  return all.filter((a) => wanted.includes(a));
}

/** Mean and sample standard deviation (n - 1; 0 for one value) of the finite values. */
export function meanSd(values: readonly number[]): { mean: number; sd: number; n: number } {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/**
 * One cell of the table, in percent: the mean over seeds ± its standard deviation (with two or more seeds), and
 * for a multi-task row the change of the mean against the task's own single-task adapter.
 */
export function formatCell(values: readonly number[], single?: readonly number[]): string {
  const { mean, sd, n } = meanSd(values);
  if (n === 0) return '-';
  let s = (100 * mean).toFixed(1);
  if (n > 1) s += ` ± ${(100 * sd).toFixed(1)}`;
  if (single) {
    const base = meanSd(single);
    if (base.n > 0) {
      const d = 100 * (mean - base.mean);
      s += ` (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)})`;
    }
  }
  return s;
}

/** The markdown table: one row per run kind, one column per task; `rows[kind][task]` holds one value per seed. */
export function formatTable(
  tasks: readonly string[],
  rows: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>,
  labels: Readonly<Record<string, string>>,
): string {
  const single = rows.single;
  return [
    `| validation accuracy (%) | ${tasks.join(' | ')} |`,
    `| --- | ${tasks.map(() => '---:').join(' | ')} |`,
    ...Object.entries(rows).map(
      ([kind, r]) =>
        `| ${labels[kind] ?? kind} | ${tasks
          .map((t) => formatCell(r[t] ?? [], kind === 'single' ? undefined : single?.[t]))
          .join(' | ')} |`,
    ),
  ].join('\n');
}
