/**
 * Pre-flight: everything that can be known wrong about a run before its row and artifacts folder exist. The model
 * folder is loaded as the training process will load it (config.json, weights and their shapes, the tokenizer),
 * the sizes are checked against the model's dimensions and the memory budget, and the adapter is built once and
 * disposed (targets that match nothing, a method that does not apply to the model). Each refusal is one line.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { accountParams, createAdapter } from '../../adapters/index.ts';
import { traceModules } from '../../adapters/base/trace.ts';
import { matchesTarget } from '../../adapters/base/targets.ts';
import type { LoadedDataset } from '../../data/index.ts';
import { UserError } from '../../errors.ts';
import type { Model } from '../../models/index.ts';
import { resolveModelDir } from '../../models/default-model.ts';
import { architectureOf } from '../../models/architectures.ts';
import { modelParameterCount } from '../../models/param-count.ts';
import { classifierLabels, isVideoDataset, loadModelAndTokenizer } from '../prepare.ts';
import { multiTaskLabels } from '../multitask.ts';
import { ensureSyncBackend } from './backend.ts';
import { checkMemory, checkSizes, estimateTrainable } from './sizes.ts';
import type { MemoryEstimate, ModelDims } from './sizes.ts';

export { checkMemory, checkSizes, estimateMemory, memoryBudget } from './sizes.ts';
export type { MemoryEstimate, ModelDims } from './sizes.ts';

/** Validation metrics a run of each kind reports, for `train.earlyStopping.metric`. */
export const METRICS_BY_KIND = {
  classification: ['accuracy', 'macroF1', 'loss'],
  lm: ['loss', 'perplexity'],
} as const;

/** Refuses an early-stopping metric the run will never report (it would silently never stop). */
export function checkEarlyStoppingMetric(config: TrainConfig, lm: boolean): void {
  const metric = config.train.earlyStopping?.metric;
  if (metric === undefined) return;
  const known: readonly string[] = lm ? METRICS_BY_KIND.lm : METRICS_BY_KIND.classification;
  if (!known.includes(metric))
    throw new UserError(
      `train.earlyStopping.metric: "${metric}" is not a metric of ${lm ? 'language modelling' : 'classification'}; use one of ${known.join(', ')}`,
    );
}

/** The base's config.json as parsed JSON (read after the model loaded, so it parses). */
export function rawModelConfig(model: string): Record<string, unknown> {
  // Only for fields the common config does not carry (max positions, FFN width).
  const file = path.join(resolveModelDir(model), 'config.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const positive = (...values: unknown[]): number | null => {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  return null;
};

/** A loaded model's dimensions, for the size checks. */
export function modelDims(model: Model, raw: Record<string, unknown>, config: TrainConfig): ModelDims {
  const c = model.config as Model['config'] & { kvHeads?: number; imageSize?: number; patchSize?: number };
  const hidden = c.hiddenSize;
  const imageSize = c.imageSize ?? 32;
  const patch = c.patchSize ?? 4;
  let loraTargetWidths: number[] = [];
  if (config.method.type === 'lora') {
    const trace = traceModules(model);
    const targets = config.method.targets ?? c.defaultLoraTargets;
    const field = `${config.method.type}.targets`;
    loraTargetWidths = [...trace.linear]
      .filter(([name]) => matchesTarget(name, targets, field))
      .map(([, info]) => Math.min(info.inFeatures, info.outFeatures));
    for (const [name, info] of trace.conv)
      if (matchesTarget(name, targets, field))
        loraTargetWidths.push(Math.min(info.inChannels, info.outChannels));
  }
  return {
    // CLIP (image-text) trains on images: its activations are the vision tower's.
    inputKind: c.inputKind === 'text' ? 'text' : 'image',
    hiddenSize: hidden,
    numLayers: c.numLayers,
    numHeads: c.numHeads,
    kvHeads: c.kvHeads ?? c.numHeads,
    vocabSize: c.vocabSize ?? 0,
    maxPositions: positive(raw.max_position_embeddings, raw.n_positions, raw.n_ctx),
    ffnSize: positive(raw.intermediate_size, raw.n_inner, raw.hidden_dim) ?? 4 * hidden,
    gatedFfn: architectureOf(c.modelType).gatedFfn ?? false,
    imageTokens: Math.ceil(imageSize / patch) ** 2 + 1,
    totalParams: model.params.count(),
    outputsPerToken: c.task === 'causal-lm' ? (c.vocabSize ?? 0) : Math.max(2, c.labels.length),
    causalLm: c.task === 'causal-lm',
    loraTargetWidths,
  };
}

export interface PreflightResult {
  trainableParams: number;
  totalParams: number;
  memory: MemoryEstimate;
}

/**
 * Checks a run against its (already loaded and validated) dataset. Throws a one-line user-facing error naming the
 * file or field at fault; nothing is written either way.
 */
export function preflightRun(config: TrainConfig, dataset: LoadedDataset): PreflightResult {
  checkEarlyStoppingMetric(config, dataset.kind === 'lm');
  const labels = classifierLabels(dataset);
  ensureSyncBackend();
  const { model } = loadModelAndTokenizer(config, labels, isVideoDataset(dataset));
  try {
    if (dataset.kind === 'image' && model.config.inputKind === 'text')
      throw new UserError(`${dataset.source}: an image dataset needs an image model (ViT, ResNet, CLIP)`);
    if (dataset.kind !== 'image' && model.config.inputKind !== 'text')
      throw new UserError(`${dataset.source}: a text dataset needs a text model with a tokenizer`);
    if (dataset.kind === 'lm' && model.config.task !== 'causal-lm')
      throw new UserError(`${dataset.source}: language modelling needs a causal LM (GPT-2, Llama)`);
    if (dataset.kind === 'regression')
      throw new UserError(
        `${dataset.source}: numeric labels (regression) can be imported but not trained yet`,
      );
    const dims = modelDims(model, rawModelConfig(config.model), config);
    checkSizes(config, dims);
    checkMemory(config, dims);
    const adapter = createAdapter(model, config.method, config.train.seed, {
      numLabels: labels?.length ?? 0,
      tasks: multiTaskLabels(config),
    });
    try {
      const account = accountParams(model, adapter);
      // The exact count scales the estimate, so a refusal's "use at most" stays consistent with this check.
      const ratio = account.trainable / Math.max(1, estimateTrainable(config, dims));
      const memory = checkMemory(config, dims, undefined, (c) => ratio * estimateTrainable(c, dims));
      return { trainableParams: account.trainable, totalParams: modelParameterCount(config.model), memory };
    } finally {
      adapter.dispose();
    }
  } finally {
    model.dispose();
  }
}
