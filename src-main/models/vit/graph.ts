/** ViT: patch embedding by a strided convolution, a [CLS] token, pre-LN encoder layers, classifier on [CLS]. */
import * as tf from '@tensorflow/tfjs-core';
import { firstToken } from '../base/encoder-layer.ts';
import { GraphModel } from '../base/graph-model.ts';
import { mergeHeads, scaledDotAttention, splitHeads } from '../base/layers.ts';
import type { ForwardContext } from '../base/layers.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { VitConfig } from './config.ts';
import { vitModules } from './weights.ts';
import { ModelInputError } from '../base/errors.ts';

/** [clips x frames, hidden] -> [clips, hidden], the mean over each clip's frames. */
function clipMean(x: tf.Tensor2D, frames: number): tf.Tensor2D {
  const [rows, hidden] = x.shape;
  return x.reshape([rows / frames, frames, hidden]).mean(1) as tf.Tensor2D;
}

export class VitModel extends GraphModel<VitConfig> {
  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    const c = this.config;
    const pixels = inputs.pixelValues;
    if (!pixels) throw new ModelInputError('vit needs pixel_values');
    const [batch, channels, height, width] = pixels.shape;
    // A video is a batch of frames, clip after clip: the image model runs on every frame.
    const frames = inputs.frames ?? 1;
    if (!Number.isInteger(frames) || frames < 1 || batch % frames !== 0)
      throw new ModelInputError(`vit got ${batch} frames, not a whole number of clips of ${frames} frames`);
    if (channels !== c.channels || height !== c.imageSize || width !== c.imageSize) {
      // Position embeddings are learned per patch: another size would need interpolation (not supported).
      throw new ModelInputError(
        `vit expects pixel_values [batch, ${c.channels}, ${c.imageSize}, ${c.imageSize}], got [${pixels.shape.join(', ')}]`,
      );
    }
    const H = c.hiddenSize;
    const nhwc = pixels.transpose([0, 2, 3, 1]) as tf.Tensor4D;
    const patches = ctx.conv2d('vit.embeddings.patch_embeddings.projection', nhwc, c.patchSize, 0);
    const n = patches.shape[1] * patches.shape[2];
    const grid = {
      clips: batch / frames,
      frames,
      prefix: 1,
      height: patches.shape[1],
      width: patches.shape[2],
    };
    const cls = this.params.get('vit.embeddings.cls_token').tile([batch, 1, 1]);
    let h = tf
      .concat([cls, patches.reshape([batch, n, H])], 1)
      .add(this.params.get('vit.embeddings.position_embeddings'));
    h = ctx.dropout(h, c.dropout);
    const seq = n + 1;
    const hd = H / c.numHeads;
    let x = h.reshape([batch * seq, H]) as tf.Tensor2D;
    for (let i = 0; i < c.numLayers; i++) {
      const m = vitModules(i);
      x = ctx.videoTokens(i, x, grid);
      const a = ctx.layerNorm(m.normBefore.file, x, c.eps) as tf.Tensor2D;
      const q = splitHeads(ctx.linear(m.query.file, a, m.query.hook), batch, seq, c.numHeads, hd);
      // Images have no padding (no mask); prefixes the hook prepends are always attended to.
      const { k, v } = ctx.attentionKV(
        i,
        splitHeads(ctx.linear(m.key.file, a, m.key.hook), batch, seq, c.numHeads, hd),
        splitHeads(ctx.linear(m.value.file, a, m.value.hook), batch, seq, c.numHeads, hd),
        null,
      );
      const context = scaledDotAttention(q, k, v, null, {
        scale: 1 / Math.sqrt(hd),
        dropout: ctx.attentionDropout(c.attentionDropout),
      });
      let attn = ctx.dropout(
        ctx.linear(m.attnOut.file, mergeHeads(context), m.attnOut.hook),
        c.dropout,
      ) as tf.Tensor2D;
      attn = ctx.sublayer(i, 'attention', attn, x);
      x = attn.add(x);
      const b = ctx.layerNorm(m.normAfter.file, x, c.eps) as tf.Tensor2D;
      const inner = ctx.linearAct(m.ffnIn.file, b, c.act, m.ffnIn.hook);
      let ffn = ctx.dropout(ctx.linear(m.ffnOut.file, inner, m.ffnOut.hook), c.dropout) as tf.Tensor2D;
      ffn = ctx.sublayer(i, 'ffn', ffn, x);
      x = ffn.add(x);
    }
    const lastHiddenState = x.reshape([batch, seq, H]) as tf.Tensor3D;
    const normed = ctx.layerNorm('vit.layernorm', lastHiddenState, c.eps) as tf.Tensor3D;
    if (c.task !== 'image-classification') return { logits: normed, lastHiddenState };
    // A clip's [CLS] features are averaged over its frames before the head (ST-Adapter's temporal pooling).
    const first = firstToken(normed) as tf.Tensor2D;
    const pooled = inputs.frames === undefined ? first : clipMean(first, frames);
    return { logits: ctx.linear('classifier', pooled), lastHiddenState };
  }
}
