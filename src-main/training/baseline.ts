/**
 * The majority-class baseline of a classification run: always predict the training split's most frequent label
 * and score that on the validation split with the run's own metrics. Shown beside a run's result so a user sees
 * at once whether anything was learned. Computed in main when the run starts, from the same split the training
 * process carves (same seed, same fraction), and stored as the run's `system` metrics at step 0.
 */
import { splitRows } from '../data/index.ts';
import type { LoadedDataset } from '../data/index.ts';
import type { MetricPoint } from '../db/tables/metrics.ts';
import { accuracy, macroF1 } from './metrics.ts';
import { DEFAULT_VALIDATION_FRACTION } from '../../src-shared/train-config.ts';

export interface MajorityBaseline {
  /** Index of the majority label in the dataset's label list. */
  classIndex: number;
  accuracy: number;
  macroF1: number;
}

/** Metric names of the baseline in the metrics table (split `system`, step 0). */
export const BASELINE_METRICS = {
  accuracy: 'baseline_accuracy',
  macroF1: 'baseline_macroF1',
  classIndex: 'baseline_class',
} as const;

/** The baseline of label lists; null when either split is empty. Ties go to the earlier label. */
export function majorityBaseline(
  train: readonly string[],
  validation: readonly string[],
  labels: readonly string[],
): MajorityBaseline | null {
  if (train.length === 0 || validation.length === 0 || labels.length === 0) return null;
  const index = new Map(labels.map((l, i) => [l, i]));
  const counts = new Array<number>(labels.length).fill(0);
  for (const l of train) {
    const i = index.get(l);
    if (i !== undefined) counts[i] = (counts[i] ?? 0) + 1;
  }
  const classIndex = counts.indexOf(Math.max(...counts));
  const gold = validation.map((l) => index.get(l) ?? -1);
  const predicted = gold.map(() => classIndex);
  return {
    classIndex,
    accuracy: accuracy(predicted, gold),
    macroF1: macroF1(predicted, gold, labels.length),
  };
}

/** The baseline of a loaded dataset split as training splits it, or null for tasks without classes. */
export function datasetBaseline(
  dataset: LoadedDataset,
  seed: number,
  validationFraction: number = DEFAULT_VALIDATION_FRACTION,
): MajorityBaseline | null {
  const opts = { seed, validationFraction, stratify: true };
  if (dataset.kind === 'classification' || dataset.kind === 'pair-classification') {
    const split = dataset.validationRows
      ? { train: dataset.rows, validation: dataset.validationRows }
      : splitRows(dataset.rows, opts);
    const labelsOf = (rows: readonly { label: string }[]) => rows.map((r) => r.label);
    return majorityBaseline(labelsOf(split.train), labelsOf(split.validation), dataset.labels);
  }
  if (dataset.kind === 'image') {
    // prepareData splits images as rows of their labels, in file order.
    const rows = (dataset.images ?? []).map((im) => ({ label: im.label }));
    const split = splitRows(rows, opts);
    return majorityBaseline(
      split.train.map((r) => r.label),
      split.validation.map((r) => r.label),
      dataset.labels,
    );
  }
  return null;
}

/** The baseline as metric points to store with the run. */
export const baselinePoints = (b: MajorityBaseline): MetricPoint[] => [
  { split: 'system', name: BASELINE_METRICS.accuracy, step: 0, value: b.accuracy },
  { split: 'system', name: BASELINE_METRICS.macroF1, step: 0, value: b.macroF1 },
  { split: 'system', name: BASELINE_METRICS.classIndex, step: 0, value: b.classIndex },
];
