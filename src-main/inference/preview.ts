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
import { resolveModelDir } from '../models/default-model.ts';
import { loadModel } from '../models/index.ts';
import type { ModelCache } from './predict.ts';

const MB = 2 ** 20;
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

/**
 * Training memory, an estimate in float32: the weights; for what trains, its gradient plus AdamW's two moments;
 * and activations kept for the backward pass, per layer about 16 hidden-sized vectors per token (inputs of the six
 * projections, layer norms, GELU, residuals, dropout masks) plus the attention probabilities (heads x seq x seq).
 */
function memoryEstimate(
  totalParams: number,
  trainable: number,
  c: { layers: number; hidden: number; heads: number },
  o: TrainConfig['train'],
): RunPreview['memoryMB'] {
  const tokens = o.batchSize * o.maxLength;
  const weights = (4 * totalParams) / MB;
  const optimizer = (3 * 4 * trainable) / MB;
  const perLayer = 16 * tokens * c.hidden + 2 * o.batchSize * c.heads * o.maxLength * o.maxLength;
  const activations = (4 * c.layers * perLayer) / MB;
  return { weights, optimizer, activations, total: weights + optimizer + activations };
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
  const adapter = createAdapter(model, config.method, config.train.seed, { numLabels: labels?.length ?? 0 });
  try {
    const account = accountParams(model, adapter);
    const c = model.config;
    return {
      trainableParams: account.trainable,
      totalParams: account.total,
      percent: account.percent,
      merges: methodDefinition(config.method.type)?.capabilities.merges ?? false,
      labels: labels?.length ?? 0,
      examples:
        dataset.kind === 'lm' ? 0 : dataset.kind === 'image' ? dataset.images.length : dataset.rows.length,
      memoryMB: memoryEstimate(
        account.total,
        account.trainable,
        { layers: c.numLayers, hidden: c.hiddenSize, heads: c.numHeads },
        config.train,
      ),
    };
  } finally {
    adapter.dispose();
    own?.dispose();
  }
}
