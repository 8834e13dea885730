/**
 * The datasets a multi-task run can add as tasks (New run): the project's imported classification datasets and
 * the built-in classification samples, each with the task name and dataset block the config takes.
 */
import type { DatasetView } from '../../src-shared/datasets.ts';
import type { SampleView } from '../../src-shared/domain.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';

export interface TaskChoice {
  /** `dataset:<id>` or the sample's name (as the Dataset select names them). */
  key: string;
  label: string;
  /** A valid task name (letters, digits, _ . -), from the dataset's name. */
  name: string;
  dataset: DatasetSpec;
}

const CLASSIFICATION = new Set(['classification', 'pair-classification']);

/** A task name from a dataset's name: what metric names allow, at most 48 characters. */
export const taskName = (raw: string): string =>
  raw
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 48) || 'task';

export function taskChoices(imported: readonly DatasetView[], samples: readonly SampleView[]): TaskChoice[] {
  return [
    ...imported
      .filter((d) => CLASSIFICATION.has(d.kind))
      .map((d) => ({
        key: `dataset:${d.id}`,
        label: d.name,
        name: taskName(d.name),
        dataset: { path: d.source, ...d.columns } as DatasetSpec,
      })),
    ...samples
      .filter((s) => CLASSIFICATION.has(s.kind))
      .map((s) => ({ key: s.name, label: s.title, name: taskName(s.name), dataset: { sample: s.name } })),
  ];
}

/** A task of the multitask method's options as the form holds them. */
export interface TaskEntry {
  name: string;
  dataset: unknown;
}

/** The task name a choice gets beside the first task `firstName`: a second task on the same data is `-2`. */
export const taskNameBeside = (c: TaskChoice, firstName: string | undefined): string =>
  c.name === firstName ? `${c.name}-2` : c.name;

/** The keys of the choices whose task is among `tasks` (the picker's ticked boxes), in the choices' order. */
export const tickedKeys = (
  tasks: readonly TaskEntry[],
  choices: readonly TaskChoice[],
  firstName: string | undefined,
): string[] =>
  choices.filter((c) => tasks.some((t) => t.name === taskNameBeside(c, firstName))).map((c) => c.key);

/**
 * `tasks` after the picker's ticks went from `before` to `after`: a new tick appends its task (replacing one of
 * the same name), an untick removes its task, and tasks no choice names (remembered from an earlier run) stay.
 */
export function retick(
  tasks: readonly TaskEntry[],
  choices: readonly TaskChoice[],
  firstName: string | undefined,
  before: readonly string[],
  after: readonly string[],
): TaskEntry[] {
  let out = [...tasks];
  for (const key of before.filter((k) => !after.includes(k))) {
    const c = choices.find((x) => x.key === key);
    if (c) out = out.filter((t) => t.name !== taskNameBeside(c, firstName));
  }
  for (const key of after.filter((k) => !before.includes(k))) {
    const c = choices.find((x) => x.key === key);
    if (!c) continue;
    const name = taskNameBeside(c, firstName);
    out = [...out.filter((t) => t.name !== name), { name, dataset: c.dataset }];
  }
  return out;
}
