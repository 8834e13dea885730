/**
 * The building blocks every architecture shares, written from tf ops. Linear layers are 2-D matmuls on [rows, in]
 * (the wasm fast path; tf.js also cannot differentiate a 3-D x 2-D matMul) and go through the adapter hooks.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  attentionHeads,
  conv2d,
  dropout,
  dropoutAdd,
  gatherRows,
  gelu,
  layerNorm,
  linear as denseLayer,
  linearActivated,
  linearResidual,
  rmsNorm,
} from '../../engine/ops/index.ts';
import type { AttentionDropout, EpilogueActivation } from '../../engine/ops/index.ts';
import type { ForwardHooks, VideoGrid } from './hooks.ts';
import type { KvCache } from './kv-cache.ts';
import type { ParamStore } from './params.ts';
import type { ModelOutputs } from './types.ts';

/** Activations by their transformers names (`hidden_act`); config parsers refuse any other. */
export const ACTIVATIONS = [
  'gelu',
  'gelu_python',
  'gelu_new',
  'gelu_pytorch_tanh',
  'quick_gelu',
  'relu',
  'silu',
  'swish',
  'tanh',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export function activate(x: tf.Tensor, kind: Activation | string): tf.Tensor {
  switch (kind) {
    case 'gelu':
    case 'gelu_python':
      return gelu(x, 'erf');
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return gelu(x, 'tanh');
    case 'quick_gelu':
      return x.mul(tf.sigmoid(x.mul(1.702)));
    case 'relu':
      return tf.relu(x);
    case 'silu':
    case 'swish':
      return x.mul(tf.sigmoid(x));
    case 'tanh':
      return tf.tanh(x);
    default:
      throw new Error(`unsupported activation ${kind}`);
  }
}

/** The activations the engine can put in a product's epilogue (engine/ops/matmul-epilogue.ts), by config name. */
const EPILOGUES: Partial<Record<string, EpilogueActivation>> = {
  gelu: 'gelu_erf',
  gelu_python: 'gelu_erf',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  relu: 'relu',
  silu: 'silu',
  swish: 'silu',
};

/** `activate(x·w + b, kind)`, x [rows, in], with the activation in the product's epilogue where the engine can. */
export function denseActivate(
  x: tf.Tensor2D,
  w: tf.Tensor,
  b: tf.Tensor | null,
  kind: Activation | string,
): tf.Tensor2D {
  const e = EPILOGUES[kind];
  return (
    e ? linearActivated(x, w as tf.Tensor2D, b, e) : activate(denseLayer(x, w, b), kind)
  ) as tf.Tensor2D;
}

/**
 * Runs a forward pass inside tf.tidy so that only the returned outputs survive: callers (the CLI, the Models page,
 * a training loop) never leak intermediates, whether or not they wrap the call in a tidy of their own.
 */
export function tidyForward(run: () => ModelOutputs): ModelOutputs {
  return tf.tidy(() => {
    const { logits, lastHiddenState, extra } = run();
    return { logits, ...(lastHiddenState ? { lastHiddenState } : {}), ...(extra ? { extra } : {}) };
  });
}

/** One forward pass's state: weights, adapter hooks, and whether dropout is on. */
export class ForwardContext {
  #dropoutCalls = 0;
  /** The attention biases built in this pass, by key mask and shape (see attentionBias). */
  readonly #biases: { mask: tf.Tensor2D | null; shape: string; bias: tf.Tensor | null }[] = [];

  constructor(
    readonly params: ParamStore,
    readonly hooks: ForwardHooks,
    readonly training: boolean,
    /** A number, or an int32 [1] tensor with its 32 bits (a captured GPU step's input). */
    readonly dropoutSeed: number | tf.Tensor,
    /** Generation's key/value cache: this pass's positions follow the cached ones (see kv-cache.ts). */
    readonly cache: KvCache | null = null,
  ) {}

  /** Where this pass's token positions start: 0, or the positions a generation's cache already holds. */
  get positionOffset(): number {
    return this.cache?.positions ?? 0;
  }

  /** True on a cached generation step: the embeddings hook ran at prefill, its virtual tokens are cached. */
  get pastCached(): boolean {
    return this.cache !== null && !this.cache.empty;
  }

  /**
   * y = x W + b through the `linear` hook. Weights are `${module}.weight/.bias`; the hook sees `hookName`, the
   * module's in-memory name as PEFT writes it (the same as `module` except where transformers renamed modules);
   * `biasName` is for a bias stored under another module (BERT's masked-LM decoder uses `cls.predictions.bias`).
   */
  linear(module: string, x: tf.Tensor2D, hookName = module, biasName = `${module}.bias`): tf.Tensor2D {
    const w = this.params.get(`${module}.weight`);
    const bias = this.params.has(biasName) ? this.params.get(biasName) : null;
    const base = (inp: tf.Tensor2D): tf.Tensor2D => {
      // XNNPACK-friendly product and gradient; frozen (non-trainable) weights get no weight gradient at all.
      return denseLayer(inp, w, bias);
    };
    if (!this.hooks.linear) return base(x);
    const [inFeatures, outFeatures] = w.shape as [number, number];
    return this.hooks.linear(hookName, x, base, {
      weightName: `${module}.weight`,
      inFeatures,
      outFeatures,
      dropout: (t, rate) => this.dropout(t, rate) as tf.Tensor2D,
    });
  }

  /**
   * `activate(linear(module, x), kind)`: with no linear hook (a base model's own forward) the activation is the
   * product's epilogue (denseActivate); a hook may change the product, so then the activation follows it.
   */
  linearAct(module: string, x: tf.Tensor2D, kind: string, hookName = module): tf.Tensor2D {
    if (this.hooks.linear) return activate(this.linear(module, x, hookName), kind) as tf.Tensor2D;
    const bias = this.params.has(`${module}.bias`) ? this.params.get(`${module}.bias`) : null;
    return denseActivate(x, this.params.get(`${module}.weight`), bias, kind);
  }

  /**
   * `residual + sublayer(dropout(linear(module, x)))`: a block's output projection, its adapter sublayer and its skip
   * connection. With no dropout (inference), no linear or sublayer hook, the residual is the product's epilogue
   * (engine/ops/matmul-epilogue.ts `linearResidual`): one dispatch instead of three on webgpu.
   */
  residualLinear(
    layer: number,
    kind: 'attention' | 'ffn',
    module: string,
    x: tf.Tensor2D,
    residual: tf.Tensor2D,
    dropoutRate: number,
  ): tf.Tensor2D {
    if (!this.hooks.linear && !this.hooks.sublayerOutput && (!this.training || dropoutRate <= 0)) {
      const bias = this.params.has(`${module}.bias`) ? this.params.get(`${module}.bias`) : null;
      return linearResidual(x, this.params.get(`${module}.weight`) as tf.Tensor2D, bias, residual);
    }
    if (!this.hooks.sublayerOutput) return this.dropoutAdd(this.linear(module, x), residual, dropoutRate);
    const out = this.dropout(this.linear(module, x), dropoutRate) as tf.Tensor2D;
    return this.sublayer(layer, kind, out, residual).add(residual) as tf.Tensor2D;
  }

  /** A convolution (NHWC) through the `conv2d` hook; filter `${module}.weight` in tf's [kh, kw, in, out]. */
  conv2d(module: string, x: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
    const w = this.params.get(`${module}.weight`) as tf.Tensor4D;
    const bias = this.params.has(`${module}.bias`) ? this.params.get(`${module}.bias`) : null;
    const base = (inp: tf.Tensor4D): tf.Tensor4D => {
      const y = conv2d(inp, w, stride, pad);
      return (bias ? y.add(bias) : y) as tf.Tensor4D;
    };
    if (!this.hooks.conv2d) return base(x);
    const [kh, kw, inChannels, outChannels] = w.shape;
    return this.hooks.conv2d(module, x, base, {
      weightName: `${module}.weight`,
      kernel: [kh, kw],
      inChannels,
      outChannels,
      stride,
      pad,
    });
  }

  /** Eval-mode batch norm with running statistics (`${prefix}.running_mean/var`). */
  batchNorm(prefix: string, x: tf.Tensor, eps: number): tf.Tensor {
    const mean = this.params.get(`${prefix}.running_mean`);
    const variance = this.params.get(`${prefix}.running_var`);
    return x
      .sub(mean)
      .mul(variance.add(eps).rsqrt())
      .mul(this.params.get(`${prefix}.weight`))
      .add(this.params.get(`${prefix}.bias`));
  }

  layerNorm(
    prefix: string,
    x: tf.Tensor,
    eps: number,
    names: [string, string] = ['weight', 'bias'],
  ): tf.Tensor {
    const p = (name: string) => this.params.get(`${prefix}.${name}`);
    return layerNorm(x, p(names[0]), p(names[1]), eps);
  }

  rmsNorm(prefix: string, x: tf.Tensor, eps: number): tf.Tensor {
    return rmsNorm(x, this.params.get(`${prefix}.weight`), eps);
  }

  embed(name: string, ids: tf.Tensor): tf.Tensor {
    return gatherRows(this.params.get(name), ids);
  }

  /** Inverted dropout with masks seeded per call, so a step recomputed after resume draws the same masks. */
  dropout(x: tf.Tensor, rate: number): tf.Tensor {
    if (!this.training || rate <= 0) return x;
    return dropout(x, rate, this.dropoutSeed, this.#dropoutCalls++);
  }

  /** `dropout(x, rate) + residual`, in one kernel on webgpu (engine/ops/dropout.ts `dropoutAdd`). */
  dropoutAdd(x: tf.Tensor2D, residual: tf.Tensor2D, rate: number): tf.Tensor2D {
    if (!this.training || rate <= 0) return x.add(residual);
    return dropoutAdd(x, residual, rate, this.dropoutSeed, this.#dropoutCalls++) as tf.Tensor2D;
  }

  /**
   * The dropout of attention probabilities as a mask description (the next dropout call's), which the fused
   * attention kernel draws inline; null when dropout is off. Same masks as `dropout` on the probabilities.
   */
  attentionDropout(rate: number): AttentionDropout | null {
    if (!this.training || rate <= 0) return null;
    return { rate, seed: this.dropoutSeed, call: this.#dropoutCalls++ };
  }

  /**
   * One layer's keys and values [batch, kvHeads, seq, headDim] through the `attentionKV` hook, and the key mask
   * to match: positions the hook prepends (prefixes) are always attended to. A null mask (images) stays null.
   */
  attentionKV(
    layer: number,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
    mask: tf.Tensor2D | null,
  ): { k: tf.Tensor4D; v: tf.Tensor4D; keyMask: tf.Tensor2D | null } {
    const hooked = () => {
      if (!this.hooks.attentionKV) return { k, v, keyMask: mask, added: 0 };
      const r = this.hooks.attentionKV(layer, k, v);
      const keyMask =
        mask && r.added > 0 ? (tf.concat([tf.ones([mask.shape[0], r.added]), mask], 1) as tf.Tensor2D) : mask;
      return { k: r.k, v: r.v, keyMask, added: r.added };
    };
    if (this.cache) return this.cache.attend(layer, k, v, mask, hooked);
    const { added: _added, ...r } = hooked();
    return r;
  }

  /**
   * {@link attentionBias}, built once per pass for each key mask and shape: every layer of a decoder attends with
   * the same one. Built per layer it was ~15 small kernels a layer, a fifth of a generation step's kernels, and on
   * a GPU a step's time is its kernels' count, not their arithmetic.
   */
  attentionBias(
    mask: tf.Tensor2D | null,
    batch: number,
    queries: number,
    keys: number,
    causal: boolean,
  ): tf.Tensor | null {
    const shape = `${batch},${queries},${keys},${causal}`;
    const hit = this.#biases.find((b) => b.mask === mask && b.shape === shape);
    if (hit) return hit.bias;
    const bias = attentionBias(mask, batch, queries, keys, causal);
    this.#biases.push({ mask, shape, bias });
    return bias;
  }

  /** A two-tower model's projected features through the `features` hook (CLIP-Adapter). */
  features(tower: 'image' | 'text', x: tf.Tensor2D): tf.Tensor2D {
    return this.hooks.features ? this.hooks.features(tower, x) : x;
  }

  /** A vision transformer's tokens before a block's attention, through the `videoTokens` hook (ST-Adapter). */
  videoTokens(layer: number, x: tf.Tensor2D, grid: VideoGrid): tf.Tensor2D {
    return this.hooks.videoTokens ? this.hooks.videoTokens(layer, x, grid) : x;
  }

  /** An encoder layer's output through the `layerOutput` hook (K-Adapter reads the hidden states here). */
  layerOutput(layer: number, h: tf.Tensor2D, mask: tf.Tensor2D, batch: number, seq: number): tf.Tensor2D {
    return this.hooks.layerOutput ? this.hooks.layerOutput(layer, h, mask, batch, seq) : h;
  }

  /** A sequence classifier's head through the `sequenceHead` hook (K-Adapter's head over its features). */
  sequenceHead(last: tf.Tensor3D, base: (last: tf.Tensor3D) => tf.Tensor2D): tf.Tensor2D {
    return this.hooks.sequenceHead ? this.hooks.sequenceHead(last, base) : base(last);
  }

  sublayer(layer: number, kind: 'attention' | 'ffn', out: tf.Tensor2D, input: tf.Tensor2D): tf.Tensor2D {
    return this.hooks.sublayerOutput ? this.hooks.sublayerOutput(layer, kind, out, input) : out;
  }
}

/**
 * An output projection tied to the input embeddings ([vocab, hidden]): logits = x E^T (+ bias), through the
 * `linear` hook under `moduleName` (e.g. `lm_head`, PEFT's name) with `weightName: null`, since the weight is
 * the embedding matrix and no separate tensor exists to merge into.
 */
export function tiedHead(
  ctx: ForwardContext,
  moduleName: string,
  x: tf.Tensor2D,
  embeddings: tf.Tensor,
  bias?: tf.Tensor,
): tf.Tensor2D {
  const [vocab, hidden] = embeddings.shape as [number, number];
  const base = (inp: tf.Tensor2D): tf.Tensor2D => {
    const y = tf.matMul(inp, embeddings as tf.Tensor2D, false, true);
    return (bias ? y.add(bias) : y) as tf.Tensor2D;
  };
  if (!ctx.hooks.linear) return base(x);
  return ctx.hooks.linear(moduleName, x, base, { weightName: null, inFeatures: hidden, outFeatures: vocab });
}

/** [rows, heads*dim] -> [batch, heads, seq, dim] */
export function splitHeads(
  x: tf.Tensor2D,
  batch: number,
  seq: number,
  heads: number,
  dim: number,
): tf.Tensor4D {
  return x.reshape([batch, seq, heads, dim]).transpose([0, 2, 1, 3]);
}

/** [batch, heads, seq, dim] -> [rows, heads*dim] */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [b, h, s, d] = x.shape;
  return x.transpose([0, 2, 1, 3]).reshape([b * s, h * d]);
}

/** Additive attention mask [batch, 1, 1, keys] from a 0/1 mask, optionally causal [batch, 1, queries, keys]. */
export function attentionBias(
  mask: tf.Tensor2D | null,
  batch: number,
  queries: number,
  keys: number,
  causal: boolean,
): tf.Tensor | null {
  let bias: tf.Tensor | null = null;
  if (mask) bias = tf.sub(1, mask.cast('float32')).mul(-1e9).reshape([batch, 1, 1, keys]);
  // One query (a cached generation step) sees every key: the causal part would be all zeros.
  if (causal && queries > 1) {
    // Query i may see keys up to (keys - queries + i): prefixes/past at the front are always visible.
    const offset = keys - queries;
    const q = tf.range(0, queries, 1, 'int32').reshape([queries, 1]);
    const k = tf.range(0, keys, 1, 'int32').reshape([1, keys]);
    const allowed = k.lessEqual(q.add(offset));
    const c = tf
      .where(allowed, tf.zeros([queries, keys]), tf.fill([queries, keys], -1e9))
      .reshape([1, 1, queries, keys]);
    bias = bias ? bias.add(c) : c;
  }
  return bias;
}

/**
 * Scaled dot-product attention on [batch, heads, seq, dim]; key/value may have fewer heads (grouped-query attention)
 * and more positions (prefixes). The engine's op runs it as per-head 2-D products on wasm/cpu (XNNPACK forward and
 * backward) and as batched 4-D products on GPUs.
 */
export function scaledDotAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor | null,
  opts: { scale: number; dropout?: AttentionDropout | null },
): tf.Tensor4D {
  return attentionHeads(q, k, v, { bias, scale: opts.scale, dropoutMask: opts.dropout ?? null });
}
