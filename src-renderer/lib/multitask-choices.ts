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
