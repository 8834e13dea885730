import * as tf from '@tensorflow/tfjs-core';
import type { ConvInfo, LinearInfo } from '../../models/base/hooks.ts';
import type { Model, ModelInputs } from '../../models/base/types.ts';

export interface BlockInfo {
  stage: number;
  index: number;
  /** NHWC shapes of the block's input and output. */
  input: number[];
  output: number[];
}

export interface ModuleTrace {
  linear: Map<string, LinearInfo>;
  conv: Map<string, ConvInfo>;
  blocks: BlockInfo[];
}

const cache = new WeakMap<Model, ModuleTrace>();

/** A tiny input the model accepts: two tokens, one image at the model's size, or both (CLIP's two towers). */
function dummyInputs(model: Model): ModelInputs {
  const kind = model.config.inputKind;
  const size = 'imageSize' in model.config ? Number(model.config.imageSize) : 32;
  const channels = 'channels' in model.config ? Number(model.config.channels) : 3;
  const image = { pixelValues: tf.zeros([1, channels, size, size]) as tf.Tensor4D };
  if (kind === 'image') return image;
  const text = {
    inputIds: tf.tensor2d([[1, 2]], [1, 2], 'int32'),
    attentionMask: tf.ones([1, 2], 'int32') as tf.Tensor2D,
  };
  return kind === 'image-text' ? { ...text, ...image } : text;
}

/**
 * Lists every linear and convolution module by running one tiny forward pass with recording hooks: exact for
 * every architecture (renamed modules, fused projections, tied heads) without a per-architecture table.
 */
export function traceModules(model: Model): ModuleTrace {
  const hit = cache.get(model);
  if (hit) return hit;
  const trace: ModuleTrace = { linear: new Map(), conv: new Map(), blocks: [] };
  tf.tidy(() => {
    const inputs = dummyInputs(model);
    model.forward(inputs, {
      hooks: {
        linear: (name, x, base, info) => {
          trace.linear.set(name, info);
          return base(x);
        },
        conv2d: (name, x, base, info) => {
          trace.conv.set(name, info);
          return base(x);
        },
        block: (stage, index, out, input) => {
          trace.blocks.push({ stage, index, input: input.shape, output: out.shape });
          return out;
        },
      },
    });
  });
  cache.set(model, trace);
  return trace;
}
