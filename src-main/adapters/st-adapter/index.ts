/**
 * ST-Adapter (Pan et al. 2022): an image transformer adapted to video. Before each block's attention, a module
 * (layer.ts) mixes every frame's patch tokens with its neighbours in time and space; the up-projection starts at
 * zero, so the adapted model starts as the frozen image model run on every frame. The graph averages each clip's
 * [CLS] features over its frames before the head.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../errors.ts';
import { callsHook } from '../../models/architectures.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { trainableVar, uniform, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import { stAdapterForward, stNames } from './layer.ts';
import type { StActivation, StModule } from './layer.ts';

class StAdapter implements AdapterInstance {
  readonly method = 'st-adapter' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly modules: ReadonlyMap<number, StModule>,
    readonly activation: StActivation,
    readonly head: HeadCopy,
  ) {
    for (const [layer, m] of modules) {
      const n = stNames(layer);
      this.weights
        .set(n.down, m.down)
        .set(n.downBias, m.downBias)
        .set(n.conv, m.conv)
        .set(n.convBias, m.convBias)
        .set(n.up, m.up)
        .set(n.upBias, m.upBias);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get hooks() {
    return {
      videoTokens: (layer: number, x: tf.Tensor2D, grid: Parameters<typeof stAdapterForward>[2]) => {
        const m = this.modules.get(layer);
        return m ? stAdapterForward(m, x, grid, this.activation) : x;
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  dispose(): void {
    for (const m of this.modules.values())
      tf.dispose([m.down, m.downBias, m.conv, m.convBias, m.up, m.upBias]);
    this.head.dispose();
  }
}

function checkModel(model: Model): void {
  if (!callsHook(model.config.modelType, 'videoTokens')) {
    throw new UserError(
      `st-adapter needs a vision transformer with a patch grid (ViT, CLIP's vision tower); this is a ${model.config.modelType}`,
    );
  }
}

/** The bottleneck width: `bottleneckSize`, else hidden / reductionFactor (at least 1). */
export function stWidth(
  config: { reductionFactor: number; bottleneckSize?: number },
  hidden: number,
): number {
  return config.bottleneckSize ?? Math.max(1, Math.floor(hidden / config.reductionFactor));
}

export const stAdapterMethod = registerMethod({
  type: 'st-adapter',
  create(model, config, seed, opts) {
    checkModel(model);
    const scope = uniqueScope('st-adapter');
    // CLIP's own sizes are its text tower's; the adapters go in its vision tower.
    const tower = model.config.vision ?? model.config;
    const H = tower.hiddenSize;
    const width = stWidth(config, H);
    const kt = config.temporalKernel;
    const ks = config.spatialKernel;
    const modules = new Map<number, StModule>();
    let s = seed;
    for (let layer = 0; layer < tower.numLayers; layer++) {
      const p = `${scope}${layer}.`;
      // nn.Linear's and nn.Conv3d's default bounds (1/sqrt(fan_in)); the zero up-projection makes the module
      // the identity at the start.
      modules.set(layer, {
        down: trainableVar(uniform([H, width], 1 / Math.sqrt(H), s++), `${p}down`),
        downBias: trainableVar(tf.zeros([width]), `${p}down_b`),
        conv: trainableVar(uniform([kt, ks, ks, width], 1 / Math.sqrt(kt * ks * ks), s++), `${p}conv`),
        convBias: trainableVar(tf.zeros([width]), `${p}conv_b`),
        up: trainableVar(tf.zeros([width, H]), `${p}up`),
        upBias: trainableVar(tf.zeros([H]), `${p}up_b`),
      });
    }
    return new StAdapter(modules, config.activation, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    checkModel(model);
    const scope = uniqueScope('st-adapter');
    const modules = new Map<number, StModule>();
    const get = (n: string) => {
      const t = weights.get(n);
      if (!t) throw new UserError(`st-adapter is missing ${n}`);
      return trainableVar(t.clone(), `${scope}${n}`);
    };
    for (const name of weights.keys()) {
      const hit = /^st_adapter\.(\d+)\.down\.weight$/.exec(name);
      if (!hit) continue;
      const layer = Number(hit[1]);
      const n = stNames(layer);
      const m: StModule = {
        down: get(n.down),
        downBias: get(n.downBias),
        conv: get(n.conv),
        convBias: get(n.convBias),
        up: get(n.up),
        upBias: get(n.upBias),
      };
      const [kt, kh] = m.conv.shape;
      if (kt !== config.temporalKernel || kh !== config.spatialKernel)
        throw new UserError(
          `st-adapter: ${n.conv} is a ${kt}x${kh} kernel, the config says ${config.temporalKernel}x${config.spatialKernel}`,
        );
      modules.set(layer, m);
    }
    const head = new Map([...weights].filter(([name]) => !name.startsWith('st_adapter.')));
    return new StAdapter(modules, config.activation, HeadCopy.fromTensors(head, scope));
  },
});
