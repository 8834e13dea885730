/**
 * Conv-Adapter (Chen et al. 2022) for CNNs: a depthwise-separable convolutional bottleneck beside each ResNet block
 * — depthwise 3x3 (with the block's stride), pointwise down to C/r channels, ReLU, pointwise up — added to the
 * block's output before its final activation. The up-projection starts at zero: the model starts as the base.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseConv2d, linear } from '../../engine/ops/index.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { normal, trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import { UserError } from '../../errors.ts';

export interface ConvAdapterConfig {
  /** Block output channels / bottleneck channels. */
  reductionFactor: number;
}

interface ConvModule {
  depthwise: tf.Variable;
  down: tf.Variable;
  up: tf.Variable;
  stride: number;
}

const names = (stage: number, index: number) => {
  const p = `conv_adapters.${stage}.${index}`;
  return { depthwise: `${p}.depthwise`, down: `${p}.down`, up: `${p}.up` };
};

class ConvAdapter implements AdapterInstance {
  readonly method = 'conv' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly modules: Map<string, ConvModule>,
    readonly head: HeadCopy,
  ) {
    for (const [key, m] of modules) {
      const [stage, index] = key.split('/').map(Number) as [number, number];
      const n = names(stage, index);
      this.weights.set(n.depthwise, m.depthwise).set(n.down, m.down).set(n.up, m.up);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get hooks() {
    return {
      block: (stage: number, index: number, out: tf.Tensor4D, input: tf.Tensor4D) => {
        const m = this.modules.get(`${stage}/${index}`);
        if (!m) return out;
        const spatial = depthwiseConv2d(input, m.depthwise as tf.Tensor4D, m.stride, 1);
        const [b, h, w, c] = spatial.shape;
        const hidden = tf.relu(linear(spatial.reshape([b * h * w, c]) as tf.Tensor2D, m.down));
        const delta = linear(hidden as tf.Tensor2D, m.up).reshape([b, h, w, -1]);
        return out.add(delta) as tf.Tensor4D;
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  dispose(): void {
    for (const m of this.modules.values()) tf.dispose([m.depthwise, m.down, m.up]);
    this.head.dispose();
  }
}

function blocksOf(model: Model) {
  const blocks = traceModules(model).blocks;
  if (blocks.length === 0)
    throw new UserError(
      `conv adapters need a CNN with residual blocks (ResNet); this is a ${model.config.modelType}`,
    );
  return blocks;
}

export const convMethod = registerMethod({
  type: 'conv',
  create(model, config, seed, opts) {
    if (!(config.reductionFactor > 0))
      throw new UserError(`conv.reductionFactor must be positive, got ${config.reductionFactor}`);
    const scope = uniqueScope('conv');
    const modules = new Map<string, ConvModule>();
    let s = seed;
    for (const b of blocksOf(model)) {
      const inC = b.input[3] as number;
      const outC = b.output[3] as number;
      const mid = Math.max(1, Math.floor(outC / config.reductionFactor));
      const p = `${scope}${b.stage}.${b.index}`;
      modules.set(`${b.stage}/${b.index}`, {
        depthwise: trainableVar(normal([3, 3, inC, 1], 0.1, s++), `${p}.dw`),
        down: trainableVar(normal([inC, mid], 0.1, s++), `${p}.down`),
        up: trainableVar(tf.zeros([mid, outC]), `${p}.up`),
        stride: Math.round((b.input[1] as number) / (b.output[1] as number)),
      });
    }
    return new ConvAdapter(modules, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, _config, weights) {
    const scope = uniqueScope('conv');
    const modules = new Map<string, ConvModule>();
    const get = (n: string) => {
      const t = weights.get(n);
      if (!t) throw new UserError(`conv adapter is missing ${n}`);
      return trainableVar(t.clone(), `${scope}${n}`);
    };
    for (const b of blocksOf(model)) {
      const n = names(b.stage, b.index);
      if (!weights.has(n.depthwise)) continue;
      modules.set(`${b.stage}/${b.index}`, {
        depthwise: get(n.depthwise),
        down: get(n.down),
        up: get(n.up),
        stride: Math.round((b.input[1] as number) / (b.output[1] as number)),
      });
    }
    const head = new Map([...weights].filter(([name]) => !name.startsWith('conv_adapters.')));
    return new ConvAdapter(modules, HeadCopy.fromTensors(head, scope));
  },
});
