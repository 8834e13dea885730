/** ResNet (basic or bottleneck blocks) with eval-mode batch norm; the head pools globally and classifies. */
import * as tf from '@tensorflow/tfjs-core';
import { GraphModel } from '../base/graph-model.ts';
import type { ForwardContext } from '../base/layers.ts';
import type { ParamStore } from '../base/params.ts';
import type { ModelInputs, ModelOutputs } from '../base/types.ts';
import type { BlockSpec, ConvSpec } from './blocks.ts';
import { STEM, resnetBlocks } from './blocks.ts';
import type { ResnetConfig } from './config.ts';
import { ModelInputError } from '../base/errors.ts';

const BN_EPS = 1e-5;

export class ResnetModel extends GraphModel<ResnetConfig> {
  readonly #blocks: BlockSpec[];

  constructor(config: ResnetConfig, params: ParamStore) {
    super(config, params);
    this.#blocks = resnetBlocks(config);
  }

  #conv(ctx: ForwardContext, s: ConvSpec, x: tf.Tensor4D): tf.Tensor4D {
    const y = ctx.conv2d(`${s.prefix}.convolution`, x, s.stride, Math.floor(s.kernel / 2));
    const n = ctx.batchNorm(`${s.prefix}.normalization`, y, BN_EPS) as tf.Tensor4D;
    return s.relu ? tf.relu(n) : n;
  }

  protected run(inputs: ModelInputs, ctx: ForwardContext): ModelOutputs {
    const pixels = inputs.pixelValues;
    if (!pixels) throw new ModelInputError('resnet needs pixel_values');
    if (pixels.shape[1] !== this.config.channels) {
      throw new ModelInputError(
        `resnet expects ${this.config.channels} channels in pixel_values [batch, channels, height, width], got [${pixels.shape.join(', ')}]`,
      );
    }
    let x = this.#conv(ctx, STEM(this.config), pixels.transpose([0, 2, 3, 1]) as tf.Tensor4D);
    // Inputs are non-negative after ReLU, so padding with zeros equals torch's -inf padding here.
    x = tf.maxPool(x, 3, 2, 1);
    for (const b of this.#blocks) {
      const residual = b.shortcut ? this.#conv(ctx, b.shortcut, x) : x;
      let h = x;
      for (const conv of b.convs) h = this.#conv(ctx, conv, h);
      if (ctx.hooks.block) h = ctx.hooks.block(b.stage, b.index, h, x);
      x = tf.relu(h.add(residual)) as tf.Tensor4D;
    }
    const lastHiddenState = x.transpose([0, 3, 1, 2]);
    if (this.config.task !== 'image-classification') return { logits: lastHiddenState, lastHiddenState };
    const pooled = x.mean([1, 2]) as tf.Tensor2D;
    return { logits: ctx.linear('classifier.1', pooled), lastHiddenState };
  }
}
