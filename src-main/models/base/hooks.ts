import type * as tf from '@tensorflow/tfjs-core';

/** What a linear hook may need beyond the input: the frozen weight ([in, out]) for merging, and its sizes. */
export interface LinearInfo {
  /** Weight name in the ParamStore (`${module}.weight`), or null for a tied head computed from the embeddings. */
  weightName: string | null;
  inFeatures: number;
  outFeatures: number;
  /** The pass's dropout (identity when not training): LoRA drops its branch's input with it, as PEFT does. */
  dropout?: (x: tf.Tensor2D, rate: number) => tf.Tensor2D;
}

/** The geometry of a convolution, so a LoRA on Conv2d can use the same stride and padding. */
export interface ConvInfo {
  weightName: string;
  kernel: [number, number];
  inChannels: number;
  outChannels: number;
  stride: number;
  pad: number;
}

/**
 * Where adapters attach. Every architecture calls these at the same conceptual points, so an adapter method is
 * written once for all of them. Each hook returns its input unchanged when no adapter cares.
 */
export interface ForwardHooks {
  /**
   * Every linear projection (nn.Linear, GPT-2 Conv1D) goes through here with its in-memory module name as PEFT
   * names it (e.g. `bert.encoder.layer.0.attention.self.query`). `x` is 2-D [rows, in]; `base` computes the
   * frozen projection. LoRA adds a low-rank term; IA3 scales.
   */
  linear?(
    moduleName: string,
    x: tf.Tensor2D,
    base: (x: tf.Tensor2D) => tf.Tensor2D,
    info: LinearInfo,
  ): tf.Tensor2D;
  /** Every convolution (NHWC input), e.g. ResNet's 3x3 convolutions for LoRA on Conv2d. */
  conv2d?(
    moduleName: string,
    x: tf.Tensor4D,
    base: (x: tf.Tensor4D) => tf.Tensor4D,
    info: ConvInfo,
  ): tf.Tensor4D;
  /**
   * On the token embeddings (inputs_embeds, [batch, seq, hidden]) before position/type embeddings are added, as in
   * PEFT: prompt tuning prepends virtual tokens and extends the mask.
   */
  embeddings?(h: tf.Tensor3D, mask: tf.Tensor2D): { h: tf.Tensor3D; mask: tf.Tensor2D };
  /**
   * Keys and values of one layer's attention, [batch, kvHeads, seq, headDim]; prefix tuning prepends prefixes and
   * says how many positions it added (they are always attended to).
   */
  attentionKV?(
    layer: number,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
  ): { k: tf.Tensor4D; v: tf.Tensor4D; added: number };
  /**
   * A sub-layer's output right before its residual add, [rows, hidden] (`input` is the sub-layer's input, the
   * residual stream). Bottleneck adapters sit here: after attention (Houlsby) and after the FFN (both).
   */
  sublayerOutput?(
    layer: number,
    kind: 'attention' | 'ffn',
    out: tf.Tensor2D,
    input: tf.Tensor2D,
  ): tf.Tensor2D;
  /** A CNN block's output before its final activation (NHWC); Conv-Adapters sit here. */
  block?(stage: number, index: number, out: tf.Tensor4D, input: tf.Tensor4D): tf.Tensor4D;
  /**
   * A two-tower model's projected features [rows, dim] before they are normalised and compared (CLIP's
   * image_embeds / text_embeds): CLIP-Adapter blends a residual bottleneck in here.
   */
  features?(tower: 'image' | 'text', x: tf.Tensor2D): tf.Tensor2D;
  /**
   * A vision transformer's token stream before each block's attention (before its layer norm), [rows, hidden]
   * with rows = clips x frames x (prefix + grid x grid), frame by frame: ST-Adapter mixes the patch tokens over
   * time and space here. An image is a clip of one frame.
   */
  videoTokens?(layer: number, x: tf.Tensor2D, grid: VideoGrid): tf.Tensor2D;
  /**
   * An encoder layer's output [batch * seq, hidden] (the residual stream after the layer), with the pass's 0/1
   * mask [batch, seq]. K-Adapter's knowledge adapters read the frozen model's hidden states here; the returned
   * tensor continues through the model.
   */
  layerOutput?(layer: number, h: tf.Tensor2D, mask: tf.Tensor2D, batch: number, seq: number): tf.Tensor2D;
  /**
   * A sequence classifier's head on the final hidden states [batch, seq, hidden]; `base` is the model's own head.
   * K-Adapter replaces it with a head over the model's features concatenated with its knowledge adapters'.
   */
  sequenceHead?(last: tf.Tensor3D, base: (last: tf.Tensor3D) => tf.Tensor2D): tf.Tensor2D;
}

/** How a vision transformer's rows are laid out: `clips` x `frames` x (`prefix` tokens, then `height` x `width` patches). */
export interface VideoGrid {
  clips: number;
  frames: number;
  /** Tokens before the patches ([CLS]). */
  prefix: number;
  height: number;
  width: number;
}

/** Runs several adapters' hooks in order (adapter stacking and composition). */
export function composeHooks(list: readonly ForwardHooks[]): ForwardHooks {
  if (list.length === 1) return list[0] as ForwardHooks;
  const all: Required<ForwardHooks> = {
    linear: (name, x, base, info) =>
      list.reduce<(x: tf.Tensor2D) => tf.Tensor2D>((inner, h) => {
        const hook = h.linear;
        return hook ? (y) => hook(name, y, inner, info) : inner;
      }, base)(x),
    conv2d: (name, x, base, info) =>
      list.reduce<(x: tf.Tensor4D) => tf.Tensor4D>((inner, h) => {
        const hook = h.conv2d;
        return hook ? (y) => hook(name, y, inner, info) : inner;
      }, base)(x),
    embeddings: (h, mask) =>
      list.reduce((acc, hk) => (hk.embeddings ? hk.embeddings(acc.h, acc.mask) : acc), { h, mask }),
    attentionKV: (layer, k, v) =>
      list.reduce(
        (acc, hk) => {
          if (!hk.attentionKV) return acc;
          const r = hk.attentionKV(layer, acc.k, acc.v);
          return { k: r.k, v: r.v, added: acc.added + r.added };
        },
        { k, v, added: 0 },
      ),
    sublayerOutput: (layer, kind, out, input) =>
      list.reduce((acc, hk) => (hk.sublayerOutput ? hk.sublayerOutput(layer, kind, acc, input) : acc), out),
    block: (stage, index, out, input) =>
      list.reduce((acc, hk) => (hk.block ? hk.block(stage, index, acc, input) : acc), out),
    features: (tower, x) => list.reduce((acc, hk) => (hk.features ? hk.features(tower, acc) : acc), x),
    videoTokens: (layer, x, grid) =>
      list.reduce((acc, hk) => (hk.videoTokens ? hk.videoTokens(layer, acc, grid) : acc), x),
    layerOutput: (layer, h, mask, batch, seq) =>
      list.reduce((acc, hk) => (hk.layerOutput ? hk.layerOutput(layer, acc, mask, batch, seq) : acc), h),
    sequenceHead: (last, base) =>
      list.reduce<(l: tf.Tensor3D) => tf.Tensor2D>((inner, h) => {
        const hook = h.sequenceHead;
        return hook ? (l) => hook(l, inner) : inner;
      }, base)(last),
  };
  // Only the hooks some adapter has: a graph skips work for a hook nobody set, and blocks that cannot mix
  // sequence-changing hooks (prompt, prefix tuning) can tell a stack that has them from one that does not.
  return Object.fromEntries(
    (Object.keys(all) as (keyof ForwardHooks)[])
      .filter((k) => list.some((h) => h[k]))
      .map((k) => [k, all[k]]),
  ) as ForwardHooks;
}
