/**
 * Everything a run needs before its first step: the model, the dataset split and encoded, the adapter (fresh, or
 * with weights from a checkpoint). Shared by single runs and the continual-learning protocol.
 */
import { resolveModelDir } from '../models/default-model.ts';
import { capValidation, validationFractionOf } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { createAdapter } from '../adapters/index.ts';
import type { AdapterInstance } from '../adapters/index.ts';
import { chunkTokens, loadDataset, splitRows, subsetRows } from '../data/index.ts';
import type { LoadedDataset } from '../data/index.ts';
import { isClip } from '../data/video.ts';
import { UserError } from '../errors.ts';
import { loadModel } from '../models/index.ts';
import type { Model } from '../models/index.ts';
import { loadTokenizer } from '../models/tokenizer/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import { buildTask, encodeImages, encodeRows } from './session.ts';
import type { Batch, Example } from './session.ts';
import type { TrainTask } from './task.ts';

export { DEFAULT_VALIDATION_FRACTION as VALIDATION_FRACTION } from '../../src-shared/train-config.ts';

export { capValidation };

export { resolveModelDir };

export interface PreparedData {
  dataset: LoadedDataset;
  train: Example[];
  validation: Example[];
  labels: string[];
  lm: boolean;
}

export function prepareData(
  spec: DatasetSpec,
  model: Model,
  tok: TextTokenizer | null,
  o: TrainConfig['train'],
  loaded?: LoadedDataset,
): PreparedData {
  const dataset = loaded ?? loadDataset(spec);
  const validationFraction = validationFractionOf(spec);
  const imageSize = 'imageSize' in model.config ? Number(model.config.imageSize) : 32;
  if (dataset.kind === 'image') {
    if (model.config.inputKind === 'text')
      throw new UserError(`${dataset.source}: an image dataset needs an image model (ViT, ResNet, CLIP)`);
    const norm = (model.config as { imageNorm?: { mean: number[]; std: number[] } }).imageNorm;
    const all = encodeImages(dataset.images ?? [], dataset.labels, imageSize, norm);
    const rows = all.map((_, i) => ({
      text: String(i),
      label: dataset.images?.[i]?.label ?? '',
      line: i + 1,
    }));
    const split = splitRows(rows, { seed: o.seed, validationFraction, stratify: true });
    const pick = (part: typeof rows) => part.map((r) => all[Number(r.text)] as Example);
    return {
      dataset,
      train: pick(subsetRows(split.train, o.trainFraction ?? 1, o.seed)),
      validation: capValidation(pick(split.validation), o),
      labels: dataset.labels,
      lm: false,
    };
  }
  if (model.config.inputKind !== 'text' || !tok)
    throw new UserError(`${dataset.source}: a text dataset needs a text model with a tokenizer`);
  if (dataset.kind === 'lm') {
    if (model.config.task !== 'causal-lm')
      throw new UserError(`${dataset.source}: language modelling needs a causal LM (GPT-2, Llama)`);
    const ids = tok.encode(dataset.text ?? '').ids;
    const chunks = chunkTokens(ids, o.maxLength).map((c) => ({ ids: c, typeIds: c.map(() => 0), label: 0 }));
    const nVal = Math.max(1, Math.round(chunks.length * validationFraction));
    return {
      dataset,
      train: chunks.slice(0, Math.max(1, Math.round((chunks.length - nVal) * (o.trainFraction ?? 1)))),
      validation: capValidation(chunks.slice(chunks.length - nVal), o),
      labels: [],
      lm: true,
    };
  }
  if (dataset.kind === 'regression')
    throw new UserError(`${dataset.source}: numeric labels (regression) can be imported but not trained yet`);
  if (model.config.task !== 'sequence-classification') {
    throw new UserError(
      `${dataset.source}: classification needs a sequence-classification model (e.g. BertForSequenceClassification)`,
    );
  }
  const split = dataset.validationRows
    ? { train: dataset.rows, validation: dataset.validationRows }
    : splitRows(dataset.rows, { seed: o.seed, validationFraction, stratify: true });
  return {
    dataset,
    train: encodeRows(
      tok,
      subsetRows(split.train, o.trainFraction ?? 1, o.seed),
      dataset.labels,
      o.maxLength,
    ),
    validation: encodeRows(tok, capValidation(split.validation, o), dataset.labels, o.maxLength),
    labels: dataset.labels,
    lm: false,
  };
}

export interface PreparedRun {
  model: Model;
  tok: TextTokenizer | null;
  data: PreparedData;
  adapter: AdapterInstance;
  task: TrainTask<Batch>;
}

/** The labels a dataset trains a classifier on, or undefined (language modelling, regression). */
export function classifierLabels(dataset: LoadedDataset): string[] | undefined {
  return dataset.kind === 'classification' ||
    dataset.kind === 'pair-classification' ||
    dataset.kind === 'image'
    ? dataset.labels
    : undefined;
}

/** Whether a dataset's examples are video clips (GIFs or folders of frames): a base is then read as a video classifier. */
export function isVideoDataset(dataset: LoadedDataset): boolean {
  return (
    dataset.kind === 'image' && dataset.images.length > 0 && dataset.images.every((it) => isClip(it.file))
  );
}

/**
 * The base model and its tokenizer. With `labels` (a classification dataset), a base without a classification
 * head (the bundled default masked-LM, a causal LM, a bare encoder) gets a fresh one, as transformers'
 * AutoModelForSequenceClassification does; a classifier base keeps its own head. `video`: the dataset's examples
 * are clips (a CLIP base then gets a linear head instead of label prompts: models/clip/config.ts).
 */
export function loadModelAndTokenizer(
  config: Pick<TrainConfig, 'model'>,
  labels?: readonly string[],
  video = false,
): { model: Model; tok: TextTokenizer | null } {
  const dir = resolveModelDir(config.model);
  const model = loadModel(
    dir,
    labels ? { task: 'sequence-classification', labels, ...(video ? { video } : {}) } : undefined,
  );
  return { model, tok: model.config.inputKind === 'text' ? loadTokenizer(dir) : null };
}

export function prepareRun(
  config: TrainConfig,
  model: Model,
  tok: TextTokenizer | null,
  spec: DatasetSpec,
  loaded?: LoadedDataset,
): PreparedRun {
  const data = prepareData(spec, model, tok, config.train, loaded);
  if (data.train.length === 0) throw new UserError('the training split is empty: add more rows');
  const adapter = createAdapter(model, config.method, config.train.seed, { numLabels: data.labels.length });
  const task = buildTask({
    model,
    adapter,
    train: data.train,
    validation: data.validation,
    numLabels: data.labels.length,
    lm: data.lm,
    padId: tok?.padId ?? 0,
    imageSize: 'imageSize' in model.config ? Number(model.config.imageSize) : 32,
    options: config.train,
  });
  return { model, tok, data, adapter, task };
}
