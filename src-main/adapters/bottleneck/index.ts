/**
 * Bottleneck adapters: a small down-project / non-linearity / up-project module with a residual, placed after
 * the attention block and the FFN (Houlsby) or after the FFN only (Pfeiffer), sequentially or in parallel. The
 * up-projection starts at zero, so the adapted model starts exactly as the base model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { callsHook } from '../../models/architectures.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { normal, trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import type { RowwiseParts } from '../base/rowwise.ts';
import { bottleneckSize, positionsOf } from './config.ts';
import type { BottleneckConfig } from './config.ts';
import { bottleneckForward, moduleNames } from './layer.ts';
import type { BottleneckModule } from './layer.ts';
import { UserError } from '../../errors.ts';

class BottleneckAdapter implements AdapterInstance {
  readonly method = 'bottleneck' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly config: BottleneckConfig,
    readonly modules: Map<string, BottleneckModule>,
    readonly head: HeadCopy,
  ) {
    for (const [key, m] of modules) {
      const [layer, kind] = key.split('/') as [string, string];
      const n = moduleNames(Number(layer), kind);
      this.weights.set(n.down, m.down).set(n.downBias, m.downBias).set(n.up, m.up).set(n.upBias, m.upBias);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get rowwise(): RowwiseParts {
    const c = this.config;
    return {
      kind: 'bottleneck',
      modules: this.modules,
      placement: c.placement,
      activation: c.activation,
      scaling: c.scaling,
      head: this.head,
    };
  }

  get hooks() {
    const c = this.config;
    return {
      sublayerOutput: (layer: number, kind: 'attention' | 'ffn', out: tf.Tensor2D, input: tf.Tensor2D) => {
        const m = this.modules.get(`${layer}/${kind}`);
        if (!m) return out;
        if (c.placement === 'parallel')
          return out.add(bottleneckForward(m, input, c.activation).mul(c.scaling)) as tf.Tensor2D;
        return out.add(bottleneckForward(m, out, c.activation)) as tf.Tensor2D;
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  dispose(): void {
    for (const m of this.modules.values()) tf.dispose([m.down, m.downBias, m.up, m.upBias]);
    this.head.dispose();
  }
}

function checkModel(model: Model): void {
  if (!callsHook(model.config.modelType, 'sublayerOutput')) {
    throw new UserError(
      'bottleneck adapters need a transformer; for a CNN use the conv method (Conv-Adapter)',
    );
  }
}

export const bottleneckMethod = registerMethod({
  type: 'bottleneck',
  create(model, config, seed, opts) {
    checkModel(model);
    const scope = uniqueScope('bottleneck');
    // One width per numbered layer: CLIP numbers both towers' layers, each at its own tower's width.
    const widths =
      model.config.sublayerWidths ?? Array<number>(model.config.numLayers).fill(model.config.hiddenSize);
    const modules = new Map<string, BottleneckModule>();
    let s = seed;
    for (const [layer, H] of widths.entries()) {
      const m = bottleneckSize(config, H);
      for (const kind of positionsOf(config)) {
        const p = `${scope}${layer}.${kind}`;
        modules.set(`${layer}/${kind}`, {
          // Small random down-projection, zero up-projection: the adapter starts as the identity.
          down: trainableVar(normal([H, m], 0.01, s++), `${p}.down`),
          downBias: trainableVar(tf.zeros([m]), `${p}.down_b`),
          up: trainableVar(tf.zeros([m, H]), `${p}.up`),
          upBias: trainableVar(tf.zeros([H]), `${p}.up_b`),
        });
      }
    }
    return new BottleneckAdapter(config, modules, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    checkModel(model);
    const scope = uniqueScope('bottleneck');
    const modules = new Map<string, BottleneckModule>();
    const head = new Map<string, tf.Tensor>();
    const get = (n: string) => {
      const t = weights.get(n);
      if (!t) throw new UserError(`bottleneck adapter is missing ${n}`);
      return trainableVar(t.clone(), `${scope}${n}`);
    };
    for (const name of weights.keys()) {
      const hit = /^adapters\.(\d+)\.(attention|ffn)\.down\.weight$/.exec(name);
      if (!hit) {
        if (!name.startsWith('adapters.')) head.set(name, weights.get(name) as tf.Tensor);
        continue;
      }
      const n = moduleNames(Number(hit[1]), hit[2] as string);
      modules.set(`${hit[1]}/${hit[2]}`, {
        down: get(n.down),
        downBias: get(n.downBias),
        up: get(n.up),
        upBias: get(n.upBias),
      });
    }
    return new BottleneckAdapter(config, modules, HeadCopy.fromTensors(head, scope));
  },
});
