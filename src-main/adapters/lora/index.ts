/** LoRA (Hu et al. 2021): low-rank updates to chosen linear and Conv2d layers; mergeable. */
import * as tf from '@tensorflow/tfjs-core';
import type { LinearInfo } from '../../models/base/hooks.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { trainableVar, uniform, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import { loraPeft } from './peft.ts';
import { loraScaling } from './config.ts';
import { loraTargets } from './targets.ts';
import type { LoraConfig } from './config.ts';
import { loraDelta, loraWeightDelta } from './layer.ts';
import type { LoraPair } from './layer.ts';
import { UserError } from '../../errors.ts';

/** Our save names: `${module}.lora_A` / `.lora_B` in tf layout, head weights under their own names. */
export const loraNames = (module: string) => ({ a: `${module}.lora_A`, b: `${module}.lora_B` });

class LoraAdapter implements AdapterInstance {
  readonly method = 'lora' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly weights = new Map<string, tf.Variable>();
  #merged = false;
  readonly #scale: number;

  constructor(
    private readonly model: Model,
    readonly config: LoraConfig,
    readonly pairs: Map<string, LoraPair>,
    readonly head: HeadCopy,
  ) {
    this.#scale = loraScaling(config);
    for (const [module, p] of pairs) {
      const n = loraNames(module);
      this.weights.set(n.a, p.a);
      this.weights.set(n.b, p.b);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get merged(): boolean {
    return this.#merged;
  }

  get hooks() {
    return {
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D, info?: LinearInfo) => {
        const fromHead = this.head.apply(name, x);
        if (fromHead) return fromHead;
        const p = this.pairs.get(name);
        if (!p || this.#merged) return base(x);
        // PEFT's lora_dropout: on the LoRA branch's input only, and only while training (info.dropout is the
        // identity in evaluation), so the frozen path and inference are unchanged.
        const rate = this.config.dropout;
        const xa = rate > 0 && info?.dropout ? info.dropout(x, rate) : x;
        return base(x).add(loraDelta(p, xa, this.#scale)) as tf.Tensor2D;
      },
      conv2d: (name: string, x: tf.Tensor4D, base: (x: tf.Tensor4D) => tf.Tensor4D) => {
        const p = this.pairs.get(name);
        if (!p || this.#merged) return base(x);
        return base(x).add(loraDelta(p, x, this.#scale)) as tf.Tensor4D;
      },
    };
  }

  #deltas(sign: 1 | -1): { name: string; delta: tf.Tensor }[] {
    return [...this.pairs.values()].map((p) => {
      const info = p.kind === 'linear' ? p.linear : p.conv;
      if (!info?.weightName) throw new UserError('LoRA on a tied head cannot be merged');
      return { name: info.weightName, delta: loraWeightDelta(p, this.#scale * sign) };
    });
  }

  #apply(deltas: { name: string; delta: tf.Tensor }[]): void {
    for (const d of deltas) {
      const w = this.model.params.get(d.name);
      tf.tidy(() => w.assign(w.add(d.delta)));
      d.delta.dispose();
    }
  }

  /** Safe merge: every update is checked (read back asynchronously, fine on GPUs) before any weight changes. */
  async merge(): Promise<void> {
    if (this.#merged) throw new Error('this LoRA adapter is already merged');
    const deltas = this.#deltas(1);
    for (const d of deltas) {
      const finite = tf.tidy(() => tf.all(tf.isFinite(d.delta)));
      const ok = (await finite.data())[0];
      finite.dispose();
      if (!ok) {
        tf.dispose(deltas.map((x) => x.delta));
        throw new UserError(`refusing to merge: the LoRA update for ${d.name} has NaN or Inf values`);
      }
    }
    this.#apply(deltas);
    this.#merged = true;
  }

  unmerge(): void {
    if (!this.#merged) throw new Error('this LoRA adapter is not merged');
    this.#apply(this.#deltas(-1));
    this.#merged = false;
  }

  dispose(): void {
    if (this.#merged) this.unmerge();
    for (const p of this.pairs.values()) tf.dispose([p.a, p.b]);
    this.head.dispose();
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
      // PEFT: A ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)); B = 0, so the model starts unchanged.
      const a = trainableVar(
        uniform([info.inFeatures, config.r], 1 / Math.sqrt(info.inFeatures), s++),
        `${scope}${m}.A`,
      );
      const b = trainableVar(tf.zeros([config.r, info.outFeatures]), `${scope}${m}.B`);
      pairs.set(m, { kind: 'linear', a, b, linear: info });
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
    return new LoraAdapter(
      model,
      config,
      pairs,
      HeadCopy.forLabels(model, opts?.numLabels ?? 0, scope, seed + 7919),
    );
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('lora');
    const trace = traceModules(model);
    const pairs = new Map<string, LoraPair>();
    const head = new Map<string, tf.Tensor>();
    for (const [name, t] of weights) {
      if (name.endsWith('.lora_B')) continue;
      if (!name.endsWith('.lora_A')) {
        head.set(name, t);
        continue;
      }
      const module = name.slice(0, -'.lora_A'.length);
      const b = weights.get(`${module}.lora_B`);
      if (!b) throw new UserError(`adapter has ${name} but no ${module}.lora_B`);
      const lin = trace.linear.get(module);
      const cv = trace.conv.get(module);
      if (!lin && !cv)
        throw new UserError(
          `adapter targets ${module}, which this ${model.config.modelType} model does not have`,
        );
      pairs.set(module, {
        kind: lin ? 'linear' : 'conv',
        a: trainableVar(t.clone(), `${scope}${module}.A`),
        b: trainableVar(b.clone(), `${scope}${module}.B`),
        ...(lin ? { linear: lin } : { conv: cv }),
      });
    }
    return new LoraAdapter(model, config, pairs, HeadCopy.fromTensors(head, scope));
  },
});
