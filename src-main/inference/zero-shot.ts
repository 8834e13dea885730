/**
 * Zero-shot image classification with a CLIP base: each label becomes a prompt ("a photo of a {label}"), the text
 * tower embeds the prompts, the vision tower the images, and the scaled cosine similarities (logits_per_image)
 * softmaxed over the labels rank them, as transformers' zero-shot-image-classification pipeline does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LabelScore } from '../../src-shared/library.ts';
import { decodeImageBytes, toPixelValues } from '../data/index.ts';
import type { DecodedImage } from '../data/images.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_PROMPT_TEMPLATE } from '../models/clip/config.ts';
import { imageNormalisation } from '../models/clip/preprocess.ts';
import type { ForwardHooks, Model } from '../models/index.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';

export const DEFAULT_TEMPLATE = DEFAULT_PROMPT_TEMPLATE;
export { imageNormalisation };

/** The label list of a request: comma-separated or an array, trimmed, no blanks, no repeats. */
export function parseLabels(labels: string | readonly string[]): string[] {
  const list = (typeof labels === 'string' ? labels.split(',') : labels).map((l) => l.trim()).filter(Boolean);
  if (list.length < 2) throw new UserError('zero-shot needs at least two labels (e.g. --labels cat,dog)');
  const dup = list.find((l, i) => list.indexOf(l) !== i);
  if (dup !== undefined) throw new UserError(`label "${dup}" is given twice`);
  return list;
}

/** The prompt of each label: the template with `{label}` replaced (a template without it is refused). */
export function prompts(labels: readonly string[], template = DEFAULT_TEMPLATE): string[] {
  if (!template.includes('{label}'))
    throw new UserError(`the template "${template}" has no {label} to put each label in`);
  return labels.map((l) => template.split('{label}').join(l));
}

export interface ZeroShotInput {
  model: Model;
  tok: TextTokenizer;
  /** The model folder (its preprocessor_config.json gives the normalisation). */
  dir: string;
  images: readonly DecodedImage[];
  labels: readonly string[];
  template?: string;
  hooks?: ForwardHooks;
}

/** The tensors of one zero-shot request: the prompts' ids and mask, and the images. */
export interface ZeroShotBatch {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  pixelValues: tf.Tensor4D;
}

/**
 * Per image, every label with its probability (softmax of logits_per_image over the labels), most probable first.
 * Leaves no tensor behind; the batch stays the caller's.
 */
export async function rankLabels(
  model: Model,
  batch: ZeroShotBatch,
  labels: readonly string[],
  hooks?: ForwardHooks,
): Promise<LabelScore[][]> {
  const probs = tf.tidy(() =>
    tf.softmax(model.forward(batch, hooks ? { hooks } : {}).logits as tf.Tensor2D, -1),
  );
  const [images, n] = probs.shape as [number, number];
  if (n !== labels.length) {
    probs.dispose();
    throw new Error(`${n} logits per image for ${labels.length} labels`);
  }
  // Asynchronous: on the webgpu backend a synchronous read of a GPU tensor fails under Node.
  const data = await probs.data().finally(() => probs.dispose());
  return Array.from({ length: images }, (_, i) =>
    labels
      .map((label, j) => ({ label, probability: data[i * n + j] as number }))
      .sort((a, b) => b.probability - a.probability),
  );
}

/** The batch of a request: each label's prompt tokenized (padded to the longest), each image resized and normalised. */
export function zeroShotBatch(input: Omit<ZeroShotInput, 'hooks'>): ZeroShotBatch {
  const { model, tok, labels } = input;
  const c = model.config as typeof model.config & { imageSize?: number; text?: { maxPositions: number } };
  if (model.config.inputKind !== 'image-text' || !c.imageSize || !c.text)
    throw new UserError(
      `zero-shot needs a CLIP model (image and text towers); this is ${model.config.modelType}`,
    );
  if (!input.images.length) throw new UserError('zero-shot needs at least one image');
  const size = c.imageSize;
  const norm = imageNormalisation(input.dir);
  const enc = tok.encodeBatch(prompts(labels, input.template), { maxLength: c.text.maxPositions });
  const plane = 3 * size * size;
  const pixels = new Float32Array(input.images.length * plane);
  input.images.forEach((img, i) => pixels.set(toPixelValues(img, size, norm.mean, norm.std), i * plane));
  return {
    inputIds: tf.tensor2d(enc.ids, [labels.length, enc.length], 'int32'),
    attentionMask: tf.tensor2d(enc.mask, [labels.length, enc.length], 'int32'),
    pixelValues: tf.tensor4d(pixels, [input.images.length, 3, size, size]),
  };
}

/** Zero-shot classification of each image over the labels. Leaves no tensor behind. */
export async function zeroShot(input: ZeroShotInput): Promise<LabelScore[][]> {
  const batch = zeroShotBatch(input);
  try {
    return await rankLabels(input.model, batch, input.labels, input.hooks);
  } finally {
    tf.dispose(Object.values(batch));
  }
}

/** An image from base64 bytes (the playground) or a file (the CLI). */
export const imageFromBase64 = (b64: string): DecodedImage =>
  decodeImageBytes('image', Buffer.from(b64, 'base64'));
