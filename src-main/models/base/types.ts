import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardHooks } from './hooks.ts';
import type { KvCache } from './kv-cache.ts';
import type { ParamStore } from './params.ts';

/** Text inputs ([batch, seq] int32) or image inputs ([batch, channels, height, width] float32, NCHW as in torch). */
export interface ModelInputs {
  inputIds?: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
  tokenTypeIds?: tf.Tensor2D;
  pixelValues?: tf.Tensor4D;
  /**
   * Video: `pixelValues` holds clips of this many frames, clip after clip ([clips x frames, channels, height,
   * width]); a video model classifies each clip. Absent: every image is its own example.
   */
  frames?: number;
}

export interface ModelOutputs {
  logits: tf.Tensor;
  /** transformers' hidden_states[-1] (ViT: before the final layer norm; ResNet: the last stage's NCHW map). */
  lastHiddenState?: tf.Tensor;
  /**
   * The further outputs the architecture declares (`ArchitectureSpec.outputs`), by transformers' names, e.g. CLIP's
   * logits_per_text and normalised embeddings. Each is a new tensor like `logits`: the caller disposes it.
   */
  extra?: Readonly<Record<string, tf.Tensor>>;
}

export interface ForwardOptions {
  hooks?: ForwardHooks;
  /** Dropout on (training) or off (evaluation, the default). */
  training?: boolean;
  /** Seeds dropout masks when training, so a resumed run draws the same masks. */
  dropoutSeed?: number | tf.Tensor;
  /**
   * Causal decoders only (GPT-2, Llama): the keys/values of earlier positions. The inputs are then the new
   * positions alone; the pass appends its keys/values to the cache (generation's prefill and steps).
   */
  cache?: KvCache;
}

export type ModelTask =
  | 'sequence-classification'
  | 'causal-lm'
  | 'masked-lm'
  | 'image-classification'
  | 'base';
/** `image-text`: both (CLIP's two towers); the image pipeline and the tokenizer both apply. */
export type InputKind = 'text' | 'image' | 'image-text';

/** What every architecture's config parser produces, besides its own fields. */
export interface CommonConfig {
  modelType: string;
  task: ModelTask;
  inputKind: InputKind;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  vocabSize: number | null;
  /** Classification labels by id (empty for language models). */
  labels: string[];
  /** Names of linear modules adapters may target by default (e.g. query/value). */
  defaultLoraTargets: string[];
  /** Names of the modules PEFT saves as modules_to_save for this task (the head). */
  headModules: string[];
  /**
   * A two-tower model's vision tower (CLIP), where the `videoTokens` hook runs: video adapters size themselves by
   * it. Absent: the model's own sizes above are the vision transformer's (ViT).
   */
  vision?: { hiddenSize: number; numLayers: number };
  /**
   * The width of every layer the `sublayerOutput` hook numbers, when the model has stacks of their own (CLIP: the
   * text tower's layers, then the vision tower's, so the two towers' layer 0 are distinct numbers). Absent:
   * `numLayers` layers of `hiddenSize`.
   */
  sublayerWidths?: readonly number[];
}

/** A loaded Hugging Face model: config, weights, and the forward pass. */
export interface Model {
  readonly config: CommonConfig;
  readonly params: ParamStore;
  /** Runs the network in its own tf.tidy: the returned outputs are the only new tensors; dispose them. */
  forward(inputs: ModelInputs, opts?: ForwardOptions): ModelOutputs;
  dispose(): void;
}
