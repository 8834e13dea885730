/** LoRA (Hu et al. 2021): low-rank updates to chosen linear and Conv2d layers; mergeable. */
import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { AdditiveLowRankAdapter, notInModel, weightsByModule } from '../base/low-rank.ts';
import type { WeightDelta } from '../base/low-rank.ts';
import { trainableVar, uniform, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import type { RowwiseParts } from '../base/rowwise.ts';
import { loraPeft } from './peft.ts';
import { loraScaling } from './config.ts';
import { loraTargets } from './targets.ts';
import type { LoraConfig } from './config.ts';
import { initLinearPair, loraAdd, loraDelta, loraWeightDelta } from './layer.ts';
import type { LoraPair } from './layer.ts';
import { UserError } from '../../errors.ts';

/** Saved as `<module>.lora_A` / `.lora_B` in tf layout (PEFT's names, transposed on export); the head under its own names. */
class LoraAdapter extends AdditiveLowRankAdapter<LoraPair> implements AdapterInstance {
  readonly method = 'lora' as const;
  protected readonly label = 'LoRA';
  readonly #scale: number;

  constructor(
    model: Model,
    readonly config: LoraConfig,
    readonly pairs: Map<string, LoraPair>,
    head: HeadCopy,
  ) {
    super(model, pairs, head, config.dropout, (p) => ({ lora_A: p.a, lora_B: p.b }));
    this.#scale = loraScaling(config);
  }

  /** Unmerged, linear targets only; otherwise served alone. */
  get rowwise(): RowwiseParts | undefined {
    // A merged LoRA lives in the shared base weights; a convolution target has no row-wise form here.
    if (this.merged || [...this.pairs.values()].some((p) => p.kind !== 'linear')) return undefined;
    return { kind: 'lora', pairs: this.pairs, scale: this.#scale, head: this.head };
  }

  protected linearDelta(p: LoraPair, x: tf.Tensor2D): tf.Tensor2D {
    return loraDelta(p, x, this.#scale) as tf.Tensor2D;
  }

  protected override addLinearDelta(p: LoraPair, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return loraAdd(p, x, y, this.#scale);
  }

  protected override convDelta(p: LoraPair, x: tf.Tensor4D): tf.Tensor4D {
    return loraDelta(p, x, this.#scale) as tf.Tensor4D;
  }

  protected weightDeltas(): WeightDelta[] {
    return [...this.pairs.values()].map((p) => {
      const info = p.kind === 'linear' ? p.linear : p.conv;
      if (!info?.weightName) throw new UserError('LoRA on a tied head cannot be merged');
      return { name: info.weightName, delta: loraWeightDelta(p, this.#scale) };
    });
  }

  protected tensorsOf(p: LoraPair): tf.Tensor[] {
    return [p.a, p.b];
  }
}

export const loraMethod = registerMethod({
  type: 'lora',
  peft: loraPeft,
  create(model, config, seed, opts) {
    const scope = uniqueScope('lora');
    const trace = traceModules(model);
    const { linear, conv } = loraTargets(model, config.targets);
    const pairs = new Map<string, LoraPair>();
    let s = seed;
    for (const m of linear) {
      const info = trace.linear.get(m);
      if (!info) continue;
      pairs.set(m, { kind: 'linear', ...initLinearPair(info, config.r, `${scope}${m}`, s++), linear: info });
    }
    for (const m of conv) {
      const info = trace.conv.get(m);
      if (!info) continue;
      const fanIn = info.inChannels * info.kernel[0] * info.kernel[1];
      const a = trainableVar(
        uniform([...info.kernel, info.inChannels, config.r], 1 / Math.sqrt(fanIn), s++),
        `${scope}${m}.A`,
      );
      const b = trainableVar(tf.zeros([1, 1, config.r, info.outChannels]), `${scope}${m}.B`);
      pairs.set(m, { kind: 'conv', a, b, conv: info });
    }
    return new LoraAdapter(model, config, pairs, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('lora');
    const trace = traceModules(model);
    const pairs = new Map<string, LoraPair>();
    const saved = weightsByModule(weights, 'lora_A', ['lora_B']);
    for (const [module, t] of saved.modules) {
      const lin = trace.linear.get(module);
      const cv = trace.conv.get(module);
      if (!lin && !cv) throw notInModel(model, module);
      pairs.set(module, {
        kind: lin ? 'linear' : 'conv',
        a: trainableVar((t.lora_A as tf.Tensor).clone(), `${scope}${module}.A`),
        b: trainableVar((t.lora_B as tf.Tensor).clone(), `${scope}${module}.B`),
        ...(lin ? { linear: lin } : { conv: cv }),
      });
    }
    return new LoraAdapter(model, config, pairs, HeadCopy.fromTensors(saved.head, scope));
  },
});
