/**
 * CLIP (transformers' CLIPModel): a causal text transformer pooled at its end token, a pre-LN ViT pooled at its
 * class token, both projected into one space; logits are the scaled cosine similarities of every image with every
 * text. Either tower runs alone when only its input is given (zero-shot caches the label prompts' embeddings).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from '../../engine/ops/index.ts';
import { firstToken } from '../base/encoder-layer.ts';
import { ModelInputError } from '../base/errors.ts';
import { GraphModel } from '../base/graph-model.ts';
import { attentionBias, mergeHeads, scaledDotAttention, splitHeads } from '../base/layers.ts';
import type { ForwardContext } from '../base/layers.ts';
import type { VideoGrid } from '../base/hooks.ts';
import { positionIds } from '../base/text-prologue.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { ClipConfig, ClipTower } from './config.ts';
import { clipLayer } from './weights.ts';

/** L2-normalised rows, as CLIPModel divides each embedding by its norm. */
export const normalizeRows = (x: tf.Tensor2D): tf.Tensor2D => x.div(x.norm('euclidean', -1, true));

export class ClipModel extends GraphModel<ClipConfig> {
  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    if (this.config.video) return this.videoClassifier(inputs, ctx);
    if (!inputs.inputIds && !inputs.pixelValues)
      throw new ModelInputError('clip needs input_ids (texts), pixel_values (images) or both');
    const p = this.config.prompts;
    // A classifier's images are compared with its label prompts when no texts are given.
    const ids =
      inputs.inputIds ??
      (p && inputs.pixelValues
        ? tf.tensor2d(p.ids, [p.ids.length / p.length, p.length], 'int32')
        : undefined);
    const mask = inputs.inputIds
      ? inputs.attentionMask
      : p && tf.tensor2d(p.mask, [p.mask.length / p.length, p.length], 'int32');
    const text = ids ? this.textTower(ids, mask, ctx) : null;
    const vision = inputs.pixelValues ? this.visionTower(inputs.pixelValues, ctx) : null;
    const extra: Record<string, tf.Tensor> = {};
    if (text) {
      extra.text_embeds = normalizeRows(ctx.features('text', ctx.linear('text_projection', text.pooled)));
      extra.text_last_hidden_state = text.last;
    }
    if (vision) {
      extra.image_embeds = normalizeRows(
        ctx.features('image', ctx.linear('visual_projection', vision.pooled)),
      );
      extra.vision_last_hidden_state = vision.last;
    }
    if (!text || !vision) {
      // One tower: its normalised embeddings are the output (the other side is compared by the caller).
      return { logits: (extra.text_embeds ?? extra.image_embeds) as tf.Tensor, extra };
    }
    const perText = tf
      .matMul(extra.text_embeds as tf.Tensor2D, extra.image_embeds as tf.Tensor2D, false, true)
      .mul(this.params.get('logit_scale').exp());
    extra.logits_per_text = perText;
    extra.logits_per_image = perText.transpose();
    return { logits: extra.logits_per_image, extra };
  }

  /**
   * Read as a video classifier: every frame through the vision tower, each clip's pooled features averaged over its
   * frames (as ViT's head does, so an image model with an untrained ST-Adapter classifies a still clip as its
   * frame), then the linear head.
   */
  private videoClassifier(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    if (!inputs.pixelValues) throw new ModelInputError('clip read as a video classifier needs pixel_values');
    const frames = inputs.frames ?? 1;
    const rows = inputs.pixelValues.shape[0];
    if (!Number.isInteger(frames) || frames < 1 || rows % frames !== 0)
      throw new ModelInputError(`clip got ${rows} frames, not a whole number of clips of ${frames} frames`);
    const { pooled } = this.visionTower(inputs.pixelValues, ctx, frames);
    const perClip = pooled.reshape([rows / frames, frames, pooled.shape[1]]).mean(1) as tf.Tensor2D;
    return { logits: ctx.linear('classifier', perClip) };
  }

  /**
   * A pre-LN encoder layer stack on [batch*seq, hidden] (quick_gelu MLP, scale 1/sqrt(head dim)). The vision tower
   * passes its patch grid: its tokens go through the `videoTokens` hook before each block (ST-Adapter); the text
   * tower has no grid and never calls it, so the hook's layer numbers are the vision tower's alone. The
   * `sublayerOutput` hook (bottleneck adapters) numbers both towers' layers in one sequence, the text tower's first
   * (`first`: this tower's layer 0 in it), so an adapter for one tower's layer never lands in the other's.
   */
  private encoder(
    tower: 'text_model' | 'vision_model',
    t: ClipTower,
    x0: tf.Tensor2D,
    batch: number,
    seq: number,
    bias: tf.Tensor | null,
    ctx: ForwardContext,
    first: number,
    grid?: VideoGrid,
  ): tf.Tensor2D {
    const hd = t.hiddenSize / t.numHeads;
    let x = x0;
    for (let i = 0; i < t.numLayers; i++) {
      const m = clipLayer(tower, i);
      if (grid) x = ctx.videoTokens(i, x, grid);
      const a = ctx.layerNorm(m.norm1, x, t.eps) as tf.Tensor2D;
      const heads = (name: string) => splitHeads(ctx.linear(name, a), batch, seq, t.numHeads, hd);
      const context = scaledDotAttention(heads(m.query), heads(m.key), heads(m.value), bias, {
        scale: 1 / Math.sqrt(hd),
        dropout: ctx.attentionDropout(t.attentionDropout),
      });
      x = x.add(ctx.sublayer(first + i, 'attention', ctx.linear(m.attnOut, mergeHeads(context)), x));
      const b = ctx.layerNorm(m.norm2, x, t.eps) as tf.Tensor2D;
      const ffn = ctx.linear(m.fc2, ctx.linearAct(m.fc1, b, t.act));
      x = x.add(ctx.sublayer(first + i, 'ffn', ffn, x));
    }
    return x;
  }

  private textTower(
    ids: tf.Tensor2D,
    attentionMask: tf.Tensor2D | undefined,
    ctx: ForwardContext,
  ): { pooled: tf.Tensor2D; last: tf.Tensor3D } {
    const t = this.config.text;
    const [batch, len] = ids.shape;
    let mask = (attentionMask ?? tf.ones([batch, len], 'int32')).cast('float32') as tf.Tensor2D;
    let words = ctx.embed('text_model.embeddings.token_embedding.weight', ids) as tf.Tensor3D;
    // Prompt tuning prepends its virtual tokens here, before positions are added (as PEFT does for text models).
    if (ctx.hooks.embeddings) ({ h: words, mask } = ctx.hooks.embeddings(words, mask));
    const seq = words.shape[1];
    const virtual = seq - len;
    if (seq > t.maxPositions)
      throw new ModelInputError(
        `clip's text tower takes at most ${t.maxPositions} tokens, got ${len}${virtual ? ` and ${virtual} virtual tokens` : ''}`,
      );
    const h = words.add(
      ctx.embed('text_model.embeddings.position_embedding.weight', positionIds(batch, seq)),
    );
    // Causal, and padded keys hidden (transformers combines the two for CLIP's text tower).
    const bias = attentionBias(mask, batch, seq, seq, true);
    const x = this.encoder('text_model', t, h.reshape([batch * seq, t.hiddenSize]), batch, seq, bias, ctx, 0);
    const normed = ctx.layerNorm('text_model.final_layer_norm', x, t.eps) as tf.Tensor2D;
    // Pooled at the first end token; the legacy eos id 2 meant "the highest id" (the end token in OpenAI's vocab).
    // Virtual tokens come first, so the real end token sits `virtual` places further on.
    const at = (t.eosTokenId === 2 ? ids : ids.equal(t.eosTokenId).cast('int32')).argMax(-1);
    const rows = tf.range(virtual, batch * seq, seq, 'int32').add(at.cast('int32'));
    const last = normed.reshape([batch, seq, t.hiddenSize]) as tf.Tensor3D;
    return {
      // gatherRows, not tf.gather: tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks, so a LoRA in
      // the text tower could not take a training step on the CPU path.
      pooled: gatherRows(normed, rows) as tf.Tensor2D,
      // The ids' positions only: the hidden states line up with input_ids with or without virtual tokens.
      last: virtual ? (last.slice([0, virtual, 0], [batch, len, t.hiddenSize]) as tf.Tensor3D) : last,
    };
  }

  /** `frames`: the batch is clips of this many frames, clip after clip (an image is a clip of one frame). */
  private visionTower(
    pixels: tf.Tensor4D,
    ctx: ForwardContext,
    frames = 1,
  ): { pooled: tf.Tensor2D; last: tf.Tensor3D } {
    const v = this.config.vision;
    const [batch, channels, height, width] = pixels.shape;
    if (channels !== v.channels || height !== v.imageSize || width !== v.imageSize) {
      // Position embeddings are learned per patch: another size would need interpolation (not supported).
      throw new ModelInputError(
        `clip expects pixel_values [batch, ${v.channels}, ${v.imageSize}, ${v.imageSize}], got [${pixels.shape.join(', ')}]`,
      );
    }
    const H = v.hiddenSize;
    const nhwc = pixels.transpose([0, 2, 3, 1]) as tf.Tensor4D;
    const patches = ctx.conv2d('vision_model.embeddings.patch_embedding', nhwc, v.patchSize, 0);
    const n = patches.shape[1] * patches.shape[2];
    const cls = this.params
      .get('vision_model.embeddings.class_embedding')
      .reshape([1, 1, H])
      .tile([batch, 1, 1]);
    const h = tf
      .concat([cls, patches.reshape([batch, n, H])], 1)
      .add(this.params.get('vision_model.embeddings.position_embedding.weight'));
    const seq = n + 1;
    const pre = ctx.layerNorm('vision_model.pre_layrnorm', h.reshape([batch * seq, H]), v.eps) as tf.Tensor2D;
    const grid: VideoGrid = {
      clips: batch / frames,
      frames,
      prefix: 1,
      height: patches.shape[1],
      width: patches.shape[2],
    };
    const first = this.config.text.numLayers;
    const last = this.encoder('vision_model', v, pre, batch, seq, null, ctx, first, grid).reshape([
      batch,
      seq,
      H,
    ]) as tf.Tensor3D;
    const pooled = ctx.layerNorm('vision_model.post_layernorm', firstToken(last), v.eps) as tf.Tensor2D;
    return { pooled, last };
  }
}
