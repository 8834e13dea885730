/**
 * The New-run form's live preview, computed on the real model structure: the adapter the run would create (task
 * head included, for the dataset's labels) is built, counted and disposed. Runs in the inference process, where
 * the base stays loaded between keystrokes.
 */
import fs from 'node:fs';
import type { RunPreview } from '../../src-shared/library.ts';
import { methodDefinition } from '../../src-shared/methods.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { accountParams, createAdapter } from '../adapters/index.ts';
import { loadDataset } from '../data/index.ts';
import type { LoadedDataset } from '../data/index.ts';
import { classifierLabels } from '../training/prepare.ts';
import { multiTaskLabels } from '../training/multitask.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { modelParameterCount } from '../models/param-count.ts';
import { loadModel } from '../models/index.ts';
import {
  checkEarlyStoppingMetric,
  checkMemory,
  checkSizes,
  estimateMemory,
  modelDims,
  rawModelConfig,
} from '../training/preflight/index.ts';
import type { ModelCache } from './predict.ts';

const datasets = new Map<string, LoadedDataset>();

/** Datasets are read once per spec and file version: typing in the form must not re-read a large file. */
function datasetFor(spec: TrainConfig['dataset']): LoadedDataset {
  const stamp = 'path' in spec && fs.existsSync(spec.path) ? fs.statSync(spec.path).mtimeMs : 0;
  const key = `${JSON.stringify(spec)}#${stamp}`;
  let d = datasets.get(key);
  if (!d) {
    d = loadDataset(spec);
    if (datasets.size >= 4) datasets.delete(datasets.keys().next().value as string);
    datasets.set(key, d);
  }
  return d;
}

export function previewRun(cache: ModelCache, config: TrainConfig): RunPreview {
  const dataset = datasetFor(config.dataset);
  const labels = classifierLabels(dataset);
  // Full fine-tuning swaps a differently sized head into the model it is given: count it on a throwaway copy so
  // the cached base (shared with the playground and later previews) stays as loaded.
  const own =
    config.method.type === 'full'
      ? loadModel(
          resolveModelDir(config.model),
          labels ? { task: 'sequence-classification', labels } : undefined,
        )
      : null;
  const model = own ?? cache.get(config.model, labels).entry.model;
  // The same refusals as a run's pre-flight, so the form says what is wrong before Start is pressed.
  checkEarlyStoppingMetric(config, dataset.kind === 'lm');
  const dims = modelDims(model, rawModelConfig(config.model), config);
  try {
    checkSizes(config, dims);
    checkMemory(config, dims);
  } catch (err) {
    own?.dispose();
    throw err;
  }
  const adapter = createAdapter(model, config.method, config.train.seed, {
    numLabels: labels?.length ?? 0,
    tasks: multiTaskLabels(config),
  });
  try {
    const account = accountParams(model, adapter);
    const base = modelParameterCount(config.model);
    return {
      trainableParams: account.trainable,
      // Of the base model's own count (the Models page's and the run's), not this graph's with its new head.
      totalParams: base,
      percent: (100 * account.trainable) / base,
      merges: methodDefinition(config.method.type)?.capabilities.merges ?? false,
      labels: labels?.length ?? 0,
      examples:
        dataset.kind === 'lm' ? 0 : dataset.kind === 'image' ? dataset.images.length : dataset.rows.length,
      memoryMB: estimateMemory(config, dims, account.trainable),
    };
  } finally {
    adapter.dispose();
    own?.dispose();
  }
}
