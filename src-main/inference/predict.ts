/**
 * The playground's inference: one base model kept loaded, adapters attached and detached per request, predictions
 * of the base and of each adapter side by side with the time each swap took. Runs in the inference process
 * (inference/worker.ts) so a slow load never stalls main.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LabelScore, PlaygroundResult, PredictionColumn } from '../../src-shared/library.ts';
import { adapterLabels } from '../adapters/base-for-adapter.ts';
import { adapterIsVideo } from '../node-shared/adapter-folder.ts';
import { loadAdapter } from '../adapters/io.ts';
import type { AdapterInstance } from '../adapters/index.ts';
import { repeatInputs } from '../adapters/compose/blocks.ts';
import type { CompositeAdapter } from '../adapters/compose/index.ts';
import { RouterAdapter } from '../adapters/router/index.ts';
import { recordedOutputs } from '../composition/folder.ts';
import { MultiTaskAdapter } from '../adapters/multitask/index.ts';
import { routedTo } from './routed-to.ts';
import { taskColumns } from './task-columns.ts';
import { decodeImageBytes, toPixelValues } from '../data/index.ts';
import { decodeGif } from '../data/video.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { loadModel } from '../models/index.ts';
import type { Model, ModelInputs } from '../models/index.ts';
import { loadTokenizer } from '../models/tokenizer/index.ts';
import { zeroShotColumns } from './zero-shot-columns.ts';
import { ContentHashes } from '../models/content-hash.ts';
import type { TextTokenizer } from '../models/tokenizer/index.ts';

export interface PredictRequest {
  model: string;
  adapters: { key: string; title: string; dir: string }[];
  text?: string;
  pair?: string;
  /** An image for image models, base64 (PNG or JPEG). */
  imageBase64?: string;
  /** A video clip for image models: one animated GIF, or frame images in order (base64). */
  framesBase64?: string[];
  /** A CLIP base: the labels to rank by their prompts (zero-shot), and the prompt with `{label}` in it. */
  labels?: string[];
  template?: string;
  topK?: number;
  /** A multi-task adapter answers this task only (by name); without it, every task in a column of its own. */
  task?: string;
}

interface Loaded {
  key: string;
  model: Model;
  tok: TextTokenizer | null;
  dir: string;
}

const MAX_LENGTH = 512;

/**
 * Models kept loaded, keyed by folder + content hash: the base as is and, per label set, as the classifier an
 * adapter's head needs. Choosing another base (or changing the folder's weights) evicts what was loaded before;
 * variants of the same base are kept up to `capacity`, least recently used first out.
 */
export class ModelCache {
  readonly #loaded = new Map<string, Loaded & { base: string }>();
  readonly #hashes = new ContentHashes();
  constructor(private readonly capacity = 3) {}

  /** Loaded models right now (for tests and diagnostics). */
  get size(): number {
    return this.#loaded.size;
  }

  /** `video`: read as a video classifier for `labels` (an adapter trained on clips: CLIP then has a linear head). */
  get(
    modelDir: string,
    labels: readonly string[] | undefined,
    video = false,
  ): { entry: Loaded; loadMs: number | null } {
    const dir = resolveModelDir(modelDir);
    const base = `${dir}#${this.#hashes.of(dir)}`;
    const key = `${base}#${labels ? JSON.stringify(labels) : ''}${video ? '#video' : ''}`;
    const hit = this.#loaded.get(key);
    if (hit) {
      // Most recently used last.
      this.#loaded.delete(key);
      this.#loaded.set(key, hit);
      return { entry: hit, loadMs: null };
    }
    const t0 = performance.now();
    const model = loadModel(
      dir,
      labels ? { task: 'sequence-classification', labels, ...(video ? { video } : {}) } : undefined,
    );
    const tok = model.config.inputKind === 'image' ? null : loadTokenizer(dir);
    const entry = { key, base, model, tok, dir };
    for (const [k, v] of this.#loaded) {
      if (v.base === base && this.#loaded.size < this.capacity) continue;
      v.model.dispose();
      this.#loaded.delete(k);
    }
    this.#loaded.set(key, entry);
    return { entry, loadMs: performance.now() - t0 };
  }

  dispose(): void {
    for (const v of this.#loaded.values()) v.model.dispose();
    this.#loaded.clear();
  }
}

/** A clip (one GIF, or frame images in order) as one video example: every frame at the model's size. */
function clipInputs(model: Loaded['model'], framesBase64: readonly string[]): ModelInputs {
  const size = 'imageSize' in model.config ? Number(model.config.imageSize) : 224;
  const frames = framesBase64.flatMap((b64, i) => {
    const bytes = Buffer.from(b64, 'base64');
    const name = `frame ${i + 1}`;
    return bytes.subarray(0, 3).toString('latin1') === 'GIF'
      ? decodeGif(name, bytes)
      : [decodeImageBytes(name, bytes)];
  });
  const plane = 3 * size * size;
  const pixels = new Float32Array(frames.length * plane);
  // CLIP normalises with its folder's statistics (ViT's 0.5 when the model has none), as training did.
  const norm = (model.config as { imageNorm?: { mean: number[]; std: number[] } }).imageNorm;
  frames.forEach((f, i) => pixels.set(toPixelValues(f, size, norm?.mean, norm?.std), i * plane));
  return { pixelValues: tf.tensor4d(pixels, [frames.length, 3, size, size]), frames: frames.length };
}

function inputsFor(entry: Loaded, req: PredictRequest): ModelInputs {
  const { model, tok } = entry;
  // A clip for any image model: a ViT, or CLIP's vision tower (read as a video classifier for its adapters).
  if (model.config.inputKind !== 'text' && req.framesBase64?.length)
    return clipInputs(model, req.framesBase64);
  if (model.config.inputKind === 'image') {
    if (!req.imageBase64) throw new UserError('this is an image model: drop or choose an image');
    const img = decodeImageBytes('image', Buffer.from(req.imageBase64, 'base64'));
    const size = 'imageSize' in model.config ? Number(model.config.imageSize) : 224;
    const pixels = toPixelValues(img, size);
    return { pixelValues: tf.tensor4d(pixels, [1, 3, size, size]) };
  }
  if (!tok) throw new UserError('this model has no tokenizer');
  if (!req.text?.trim()) throw new UserError('type a text to classify');
  const enc = tok.encode(req.text, { pair: req.pair || undefined, maxLength: MAX_LENGTH });
  const n = enc.ids.length;
  return {
    inputIds: tf.tensor2d([enc.ids], [1, n], 'int32'),
    attentionMask: tf.ones([1, n], 'int32') as tf.Tensor2D,
    tokenTypeIds: tf.tensor2d([enc.typeIds], [1, n], 'int32'),
  };
}

/** Softmax over the logits of the one example, top `k` labels. */
async function topLabels(logits: tf.Tensor, labels: readonly string[], k: number): Promise<LabelScore[]> {
  const softmax = tf.tidy(() => tf.softmax(logits.reshape([-1])));
  const probs = await softmax.data().finally(() => softmax.dispose());
  return Array.from(probs, (p, i) => ({ label: labels[i] ?? `LABEL_${i}`, probability: p }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}

async function forward(
  entry: Loaded,
  inputs: ModelInputs,
  hooks = {},
  adapter?: AdapterInstance,
): Promise<{ logits: tf.Tensor; ms: number }> {
  const t0 = performance.now();
  // A router runs the model more than once (its pick, then the adapters): its own forward answers.
  const logits = adapter?.forward
    ? await adapter.forward(entry.model, inputs)
    : tf.tidy(() => entry.model.forward(inputs, { hooks }).logits);
  // The forward time includes the read-back, as a user waits for it (asynchronous: the GPU backend has no other).
  await logits.data();
  return { logits, ms: performance.now() - t0 };
}

const isClassifier = (task: string) => task === 'sequence-classification' || task === 'image-classification';

/** An adapter folder's labels, or undefined when it records none (PEFT's) or cannot be read (reported later). */
function labelsOf(dir: string): string[] | undefined {
  try {
    return adapterLabels(dir);
  } catch {
    return undefined;
  }
}

const sameLabels = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');

/**
 * A composition with `parallel` at its root: the input repeated once per child, one forward pass, one column per
 * child with that child's labels (as the composition recorded them).
 */
async function parallelColumns(
  entry: Loaded,
  inputs: ModelInputs,
  adapter: AdapterInstance,
  a: PredictRequest['adapters'][number],
  k: number,
  applyMs: number,
): Promise<PredictionColumn[]> {
  const outs = recordedOutputs(a.dir) ?? [];
  const repeated = repeatInputs({ ...inputs }, outs.length);
  try {
    const { logits, ms } = await forward(entry, repeated, adapter.hooks);
    const rows = tf.split(logits, outs.length, 0);
    const t1 = performance.now();
    adapter.dispose();
    const removeMs = performance.now() - t1;
    const cols: PredictionColumn[] = [];
    for (const [i, o] of outs.entries()) {
      // A head with fewer labels than the widest was padded with zeros: only its own labels count.
      const own = (rows[i] as tf.Tensor).slice([0, 0], [1, o.labels.length]);
      const top = await topLabels(own, o.labels, k).finally(() => own.dispose());
      cols.push({
        key: `${a.key}/${i}`,
        title: `${a.title}: ${o.title}`,
        top,
        note: null,
        applyMs,
        forwardMs: ms,
        removeMs,
      });
    }
    tf.dispose([logits, ...rows]);
    return cols;
  } finally {
    tf.dispose(Object.values(repeated).filter((t, i) => t !== Object.values(inputs)[i]));
  }
}

const noteColumn = (note: string): PredictionColumn => ({
  key: 'base',
  title: 'Base model',
  top: null,
  note,
  applyMs: null,
  forwardMs: null,
  removeMs: null,
});

/** The base's own column: its head's top labels, or a note on why it has nothing comparable to show. */
async function baseColumn(
  entry: Loaded,
  req: PredictRequest,
  taskLabels: readonly string[] | undefined,
  k: number,
): Promise<PredictionColumn> {
  const { model } = entry;
  // Read first even when the base has no head to run: a missing or unreadable input is the user's error here.
  const inputs = inputsFor(entry, req);
  try {
    // Its own head scores other classes: showing them beside the adapters' would compare unrelated answers.
    if (isClassifier(model.config.task) && taskLabels && !sameLabels(taskLabels, model.config.labels))
      return noteColumn(
        `the base has no trained head for these labels (${taskLabels.join(', ')}): its own head predicts ${model.config.labels.join(', ')}`,
      );
    if (!isClassifier(model.config.task))
      return noteColumn(
        `the base is a ${model.config.task} model with no trained classification head: an adapter brings its own`,
      );
    const { logits, ms } = await forward(entry, inputs);
    return {
      ...noteColumn(''),
      top: await topLabels(logits, model.config.labels, k).finally(() => logits.dispose()),
      note: null,
      forwardMs: ms,
    };
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

export async function predict(cache: ModelCache, req: PredictRequest): Promise<PlaygroundResult> {
  const k = req.topK ?? 5;
  const columns: PredictionColumn[] = [];
  const base = cache.get(req.model, undefined);
  // CLIP compares an image with label prompts; a clip is classified by its video adapters' heads (below).
  if (base.entry.model.config.inputKind === 'image-text' && !req.framesBase64?.length)
    return zeroShotColumns(base.entry, base.loadMs, req);
  let loadMs = base.loadMs;
  // The question the chosen adapters answer: the labels of the first one that records its labels.
  const taskLabels = req.adapters.map((a) => labelsOf(a.dir)).find((l) => l !== undefined);
  // CLIP reaches here only with a clip: it has no head for clips, each video adapter brings its own (below).
  columns.push(
    base.entry.model.config.inputKind === 'image-text'
      ? noteColumn(
          'no video head: the base alone cannot classify clips (it ranks label prompts for one image); each video adapter brings its own head',
        )
      : await baseColumn(base.entry, req, taskLabels, k),
  );
  for (const a of req.adapters) {
    const labels = adapterLabels(a.dir);
    // An adapter whose head the base lacks goes on the base loaded as a classifier for its labels.
    const { entry, loadMs: extra } = isClassifier(base.entry.model.config.task)
      ? base
      : cache.get(req.model, labels, adapterIsVideo(a.dir));
    if (extra !== null && entry !== base.entry) loadMs = (loadMs ?? 0) + extra;
    const inputs = inputsFor(entry, req);
    try {
      const t0 = performance.now();
      const adapter = loadAdapter(entry.model, a.dir);
      const applyMs = performance.now() - t0;
      if (adapter instanceof MultiTaskAdapter) {
        columns.push(
          ...(await taskColumns(entry.model, inputs, adapter, a, k, applyMs, topLabels, req.task)),
        );
        continue;
      }
      const outputs = (adapter as Partial<CompositeAdapter>).outputs ?? 1;
      if (outputs > 1) {
        columns.push(...(await parallelColumns(entry, inputs, adapter, a, k, applyMs)));
        continue;
      }
      const { logits, ms } = await forward(entry, inputs, adapter.hooks, adapter);
      const top = await topLabels(logits, labels ?? entry.model.config.labels, k).finally(() =>
        logits.dispose(),
      );
      const routing = adapter instanceof RouterAdapter ? await routedTo(adapter, entry.model, inputs) : {};
      const t1 = performance.now();
      adapter.dispose();
      columns.push({
        key: a.key,
        title: a.title,
        top,
        note: null,
        applyMs,
        forwardMs: ms,
        removeMs: performance.now() - t1,
        ...routing,
      });
    } catch (err) {
      columns.push({
        key: a.key,
        title: a.title,
        top: null,
        note: err instanceof Error ? err.message : String(err),
        applyMs: null,
        forwardMs: null,
        removeMs: null,
      });
    } finally {
      tf.dispose(Object.values(inputs));
    }
  }
  return { model: req.model, loadMs, columns };
}

/** Loads the adapter in `dir` on `model` and lets it go again: its errors are the ones a prediction would meet. */
export function checkAdapter(cache: ModelCache, model: string, dir: string): { ok: true } {
  const labels = adapterLabels(dir);
  const base = cache.get(model, undefined).entry;
  const { entry } = isClassifier(base.model.config.task)
    ? { entry: base }
    : cache.get(model, labels, adapterIsVideo(dir));
  loadAdapter(entry.model, dir).dispose();
  return { ok: true };
}
