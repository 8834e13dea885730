/**
 * Builds the loop's TrainTask from a model, an adapter and a dataset: tokenized examples, batches, the loss of
 * the task (classification or causal language modelling) and its validation metrics.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainOptions } from '../../src-shared/train-config.ts';
import type { AdapterInstance } from '../adapters/index.ts';
import { decodeImage, toPixelValues } from '../data/index.ts';
import { clipPixelValues, decodeClip, isClip, sampleFrames } from '../data/video.ts';
import type { ImageItem, TextRow } from '../data/index.ts';
import type { Model, ModelInputs } from '../models/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';
import { readFloats } from '../engine/read-back.ts';
import { accuracy, argmaxRows, macroF1, perplexity } from './metrics.ts';
import { nextTokenLoss } from './next-token-loss.ts';
import type { TrainTask } from './task.ts';
import type { GpuForwards } from './gpu-forwards.ts';
import { trainPadding } from './length-buckets.ts';
import { planSteps } from './trainer.ts';

/** Validation batches read back together (evaluate): often enough to bound what waits on the device. */
const EVAL_READ_EVERY = 8;

/** Examples after tokenization: classification rows carry a label id; LM chunks carry only ids. */
export type Example =
  | { ids: number[]; typeIds: number[]; label: number }
  | { pixels: Float32Array; label: number; frames?: number };

export interface Batch {
  inputs: ModelInputs;
  labels: tf.Tensor1D | null;
  /** Causal LM: targets [rows, seq-1] and their mask. */
  lm?: { targets: tf.Tensor2D; mask: tf.Tensor2D };
  units: number;
  own: tf.Tensor[];
}

export function encodeRows(
  tok: TextTokenizer,
  rows: readonly TextRow[],
  labels: readonly string[],
  maxLength: number,
): Example[] {
  const id = new Map(labels.map((l, i) => [l, i]));
  return rows.map((r) => {
    const e = tok.encode(r.text, { pair: r.textPair, maxLength });
    return { ids: e.ids, typeIds: e.typeIds, label: id.get(r.label) ?? 0 };
  });
}

export function encodeImages(
  items: readonly ImageItem[],
  labels: readonly string[],
  size: number,
  /** The model's per-channel normalisation (CLIP's statistics); ViT's 0.5 when absent. */
  norm?: { mean: readonly number[]; std: readonly number[] },
): Example[] {
  const id = new Map(labels.map((l, i) => [l, i]));
  if (items.length > 0 && items.every((it) => isClip(it.file))) {
    // Video: every clip gives the same number of frames (the shortest clip's), spread over each clip.
    const clips = items.map((it) => decodeClip(it.file));
    const frames = Math.min(...clips.map((c) => c.length));
    return items.map((it, i) => ({
      pixels: clipPixelValues(sampleFrames(clips[i] ?? [], frames), size, norm?.mean, norm?.std),
      label: id.get(it.label) ?? 0,
      frames,
    }));
  }
  return items.map((it) => ({
    pixels: toPixelValues(decodeImage(it.file), size, norm?.mean, norm?.std),
    label: id.get(it.label) ?? 0,
  }));
}

function makeBatch(
  examples: readonly Example[],
  idx: readonly number[],
  padId: number,
  lm: boolean,
  imageSize: number,
  /** The padded length of a batch whose longest row has `longest` tokens (default: `longest` itself). */
  padTo: (longest: number) => number = (longest) => longest,
  /**
   * Text batches of fewer rows are padded to this many with masked rows: label -1 (no loss, no gradient: the
   * weighted loss of buildTask), one attended padding token (a row with none would attend to nothing), no LM
   * targets. They go at the end, so each real row draws the dropout masks it draws unpadded.
   */
  padRows = 0,
): Batch {
  const picked = idx.map((i) => examples[i] as Example);
  const own: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (own.push(t), t);
  const first = picked[0];
  if (first && 'pixels' in first) {
    // A clip is `frames` images one after another; the batch holds clip after clip.
    const frames = first.frames ?? 1;
    const plane = frames * 3 * imageSize * imageSize;
    const data = new Float32Array(picked.length * plane);
    picked.forEach((e, r) => data.set((e as { pixels: Float32Array }).pixels, r * plane));
    const pixelValues = keep(tf.tensor4d(data, [picked.length * frames, 3, imageSize, imageSize]));
    return {
      inputs: first.frames === undefined ? { pixelValues } : { pixelValues, frames },
      labels: keep(
        tf.tensor1d(
          picked.map((e) => e.label),
          'int32',
        ),
      ),
      units: picked.length,
      own,
    };
  }
  const real = picked as { ids: number[]; typeIds: number[]; label: number }[];
  const filler = { ids: [padId], typeIds: [0], label: -1 };
  const texts = [...real, ...Array.from({ length: Math.max(0, padRows - real.length) }, () => filler)];
  const longest = Math.max(2, ...real.map((e) => e.ids.length));
  const len = Math.max(longest, padTo(longest));
  const ids = new Int32Array(texts.length * len).fill(padId);
  const mask = new Int32Array(texts.length * len);
  const types = new Int32Array(texts.length * len);
  let units = 0;
  texts.forEach((e, r) => {
    ids.set(e.ids, r * len);
    types.set(e.typeIds, r * len);
    mask.fill(1, r * len, r * len + e.ids.length);
    if (e !== filler) units += e.ids.length;
  });
  const inputs: ModelInputs = {
    inputIds: keep(tf.tensor2d(ids, [texts.length, len], 'int32')),
    attentionMask: keep(tf.tensor2d(mask, [texts.length, len], 'int32')),
    tokenTypeIds: keep(tf.tensor2d(types, [texts.length, len], 'int32')),
  };
  if (!lm)
    return {
      inputs,
      labels: keep(
        tf.tensor1d(
          texts.map((e) => e.label),
          'int32',
        ),
      ),
      units,
      own,
    };
  const targets = tf.tidy(() => (inputs.inputIds as tf.Tensor2D).slice([0, 1], [texts.length, len - 1]));
  const tmask = tf.tidy(
    () =>
      (inputs.attentionMask as tf.Tensor2D)
        .slice([0, 1], [texts.length, len - 1])
        .cast('float32') as tf.Tensor2D,
  );
  return { inputs, labels: null, lm: { targets: keep(targets), mask: keep(tmask) }, units, own };
}

export function buildTask(opts: {
  model: Model;
  adapter: AdapterInstance;
  train: Example[];
  validation: Example[];
  numLabels: number;
  lm: boolean;
  padId: number;
  imageSize: number;
  options: TrainOptions;
  /**
   * Pad every training batch to this many tokens instead of its longest row (default on webgpu, where a captured
   * GPU step replays only batches of the recorded shape: length buckets, length-buckets.ts). Padding is masked:
   * the loss is the same.
   */
  fixedLength?: number;
}): TrainTask<Batch> {
  const { model, adapter, lm } = opts;
  const trainable = new Map<string, tf.Variable>(adapter.weights);
  for (const n of adapter.baseTrainable) trainable.set(n, model.params.get(n));

  // On webgpu the loop replays captured steps (gpu-steps.ts), one capture per batch shape: batches are padded to a
  // few length buckets (or all to the max length), not each to its own longest row.
  // The run's batches are known ahead (rows' lengths, batch size, steps), so buckets few batches would use are left
  // out (length-buckets.ts) and an epoch's last, shorter batch is padded with masked rows to the full batch's shape.
  const micro = opts.options.batchSize;
  // A step's work per token: forward and input gradients through every product (the embedding table is a lookup
  // except as a language model's head), weight gradients for the trained weights.
  const embedding = lm ? 0 : (model.config.vocabSize ?? 0) * model.config.hiddenSize;
  const trained = [...trainable.values()].reduce((n, v) => n + v.size, 0);
  const plan = {
    lengths: opts.train.flatMap((e) => ('ids' in e ? [e.ids.length] : [])),
    rows: micro,
    batches: planSteps(opts.train.length, opts.options).totalSteps * opts.options.gradAccumulation,
    flopsPerToken: 4 * Math.max(0, model.params.count() - embedding) + 2 * trained,
  };
  const padding = trainPadding(
    opts.fixedLength,
    opts.options.maxLength,
    tf.getBackend() === 'webgpu',
    process.env,
    plan,
  );
  const dropoutSeed = (step: number): number => (opts.options.seed * 7919 + step) >>> 0;
  /** A classification batch's logits (no dropout unless `pass.training`). */
  const logitsOf = (b: Batch, pass: { training?: boolean; dropoutSeed?: number | tf.Tensor }): tf.Tensor2D =>
    (adapter.trainForward
      ? adapter.trainForward(model, b.inputs, pass)
      : model.forward(b.inputs, { hooks: adapter.hooks, ...pass }).logits) as tf.Tensor2D;
  // With padded rows (label -1, a one-hot of zeros) the mean is over the real rows: weight 0 zeroes a padded row's
  // loss and its gradient (tf.js's gradient is softmax - labels, not zero for a zero one-hot, so a weight it needs).
  // Every batch of such a task takes the weighted form, so full and padded batches run the same GPU programs.
  const classLoss = (b: Batch, logits: tf.Tensor2D): tf.Scalar => {
    const labels = b.labels as tf.Tensor1D;
    const oneHot = tf.oneHot(labels, opts.numLabels);
    if (!padding?.rows) return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
    return tf.losses.softmaxCrossEntropy(oneHot, logits, labels.greaterEqual(0).cast('float32')) as tf.Scalar;
  };
  /** Mean loss of a training batch. */
  const lossOf = (b: Batch, training: boolean, step: number, seed?: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const pass = { training, dropoutSeed: seed ?? dropoutSeed(step) };
      if (!lm) return classLoss(b, logitsOf(b, pass));
      const out = model.forward(b.inputs, { hooks: adapter.hooks, ...pass });
      return nextTokenLoss(out.logits, b.lm?.targets as tf.Tensor2D, b.lm?.mask as tf.Tensor2D);
    });

  const evaluate = async (
    onProgress?: (done: number, total: number) => void,
    forwards?: GpuForwards,
  ): Promise<Record<string, number>> => {
    const v = opts.validation;
    if (v.length === 0) return {};
    const rows = opts.options.evalBatchSize ?? opts.options.batchSize;
    // On webgpu, to the training's length buckets and, the last batch, to the full batch's rows; elsewhere to each
    // batch's longest row.
    const evalPadding = padding && tf.getBackend() === 'webgpu' ? padding.evalPadTo : undefined;
    const evalRows = padding?.rows ? rows : 0;
    let lossSum = 0;
    let weight = 0;
    const predicted: number[] = [];
    const gold: number[] = [];
    /**
     * A batch's [loss x weight, weight] (and logits): nothing in it is read back or uploaded, so a captured forward
     * can replay it. The rows counted are the labelled ones (padded rows have label -1).
     */
    const forward = (b: Batch): tf.Tensor[] =>
      tf.tidy(() => {
        if (lm) {
          const w = (b.lm?.mask as tf.Tensor2D).sum();
          return [tf.stack([lossOf(b, false, 0).mul(w), w])];
        }
        // One forward serves both the loss and the predictions (evaluation runs no dropout).
        const l = logitsOf(b, {});
        const n = (b.labels as tf.Tensor1D).greaterEqual(0).sum().cast('float32');
        return [tf.stack([classLoss(b, l).mul(n), n]), l];
      });
    // Batches' outputs stay on the device and are read back together every few batches: on a GPU every read drains
    // the queue, so reading each batch would leave the GPU idle between them. Captured forwards (webgpu) are read
    // through their own staging buffers as they finish.
    let held: { n: number; outs?: tf.Tensor[]; values?: Promise<Float32Array[]> }[] = [];
    const flush = async (): Promise<void> => {
      const direct = held.flatMap((h) => h.outs ?? []);
      const read = direct.length > 0 ? await readFloats(direct) : [];
      tf.dispose(direct);
      let i = 0;
      for (const h of held) {
        const values = h.outs
          ? read.slice(i, (i += h.outs.length))
          : await (h.values as Promise<Float32Array[]>);
        const [loss, w] = values[0] as Float32Array;
        lossSum += loss ?? NaN;
        weight += w ?? 0;
        if (!lm) predicted.push(...argmaxRows(values[1] as Float32Array, h.n, opts.numLabels));
      }
      held = [];
    };
    try {
      for (let s = 0; s < v.length; s += rows) {
        const idx = Array.from({ length: Math.min(rows, v.length - s) }, (_, i) => s + i);
        const b = makeBatch(v, idx, opts.padId, lm, opts.imageSize, evalPadding, evalRows);
        try {
          if (forwards) held.push({ n: idx.length, ...(await forwards.run(b.own, () => forward(b))) });
          else held.push({ n: idx.length, outs: forward(b) });
          if (!lm) for (const i of idx) gold.push((v[i] as { label: number }).label);
        } finally {
          tf.dispose(b.own);
        }
        if (held.length >= EVAL_READ_EVERY || s + idx.length >= v.length) {
          await flush();
          onProgress?.(s + idx.length, v.length);
        }
      }
    } finally {
      tf.dispose(held.flatMap((h) => h.outs ?? []));
      for (const h of held) h.values?.catch(() => undefined);
    }
    const loss = lossSum / Math.max(1, weight);
    if (lm) return { loss, perplexity: perplexity(loss) };
    return { loss, accuracy: accuracy(predicted, gold), macroF1: macroF1(predicted, gold, opts.numLabels) };
  };

  // Evaluation's forwards are captured with the training steps (gpu-forwards.ts) where what a capture holds stays
  // small: a base of at most 400M weights and, for a language model, logits of at most 64M values per batch. On a
  // bigger base the forward's kernels are long enough that tf.js's per-kernel JavaScript matters little.
  const evalLogits = lm
    ? (opts.options.evalBatchSize ?? micro) * opts.options.maxLength * (model.config.vocabSize ?? 0)
    : 0;
  const captureEvaluation = model.params.count() <= 400e6 && evalLogits <= 64 * 2 ** 20;

  return {
    trainable,
    trainSize: opts.train.length,
    makeBatch: (idx) =>
      makeBatch(opts.train, idx, opts.padId, lm, opts.imageSize, padding?.padTo, padding?.rows),
    disposeBatch: (b) => tf.dispose(b.own),
    loss: (b, o) => lossOf(b, o.training, o.step, o.seed),
    dropoutSeed,
    stepInputs: (b) => b.own,
    batchUnits: (b) => b.units,
    evaluate,
    ...(padding ? { padding } : {}),
    captureEvaluation,
  };
}
