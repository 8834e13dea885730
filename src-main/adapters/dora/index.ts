/**
 * DoRA (Liu et al. 2024), PEFT's LoRA with use_dora=True: each target's weight is split into a direction, updated
 * by LoRA, and a trained magnitude per output feature. Starts as the base (B = 0, m = ‖W‖); mergeable. Linear
 * layers only (PEFT's DoRA on Conv2d is not carried over).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { LowRankAdapter, notInModel, weightsByModule } from '../base/low-rank.ts';
import { trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import { loraScaling } from '../lora/config.ts';
import { linearWeightTargets } from '../lora/targets.ts';
import { initLinearPair } from '../lora/layer.ts';
import { doraDelta, doraMergeTerms } from './layer.ts';
import { doraPeft, MAGNITUDE } from './peft.ts';
import { UserError } from '../../errors.ts';

type DoraConfig = MethodConfigOf<'dora'>;

interface DoraModule {
  a: tf.Variable;
  b: tf.Variable;
  magnitude: tf.Variable;
  weightName: string;
}

class DoraAdapter extends LowRankAdapter<DoraModule> implements AdapterInstance {
  readonly method = 'dora' as const;
  readonly #scale: number;
  /** While merged: each weight's factor m/‖W + s·A·B‖, to undo the merge (PEFT caches the norm the same way). */
  #mergedFactors: Map<string, tf.Tensor2D> | null = null;

  constructor(
    model: Model,
    readonly config: DoraConfig,
    modules: Map<string, DoraModule>,
    head: HeadCopy,
  ) {
    super(model, modules, head, config.dropout, (d) => ({
      lora_A: d.a,
      lora_B: d.b,
      [MAGNITUDE]: d.magnitude,
    }));
    this.#scale = loraScaling(config);
  }

  get merged(): boolean {
    return this.#mergedFactors !== null;
  }

  protected linearDelta(d: DoraModule, x: tf.Tensor2D): tf.Tensor2D {
    const w = this.model.params.get(d.weightName) as tf.Tensor2D;
    return doraDelta(x, w, d.a as tf.Tensor2D, d.b as tf.Tensor2D, d.magnitude as tf.Tensor1D, this.#scale);
  }

  /** Safe merge: every new weight is computed and checked before any weight changes. */
  async merge(): Promise<void> {
    if (this.merged) throw new Error('this DoRA adapter is already merged');
    const planned = [...this.modules.values()].map((d) => {
      const w = this.model.params.get(d.weightName) as tf.Tensor2D;
      const t = doraMergeTerms(
        w,
        d.a as tf.Tensor2D,
        d.b as tf.Tensor2D,
        d.magnitude as tf.Tensor1D,
        this.#scale,
      );
      const next = tf.tidy(() => t.factor.mul(w.add(t.delta)));
      t.delta.dispose();
      return { name: d.weightName, factor: t.factor, next };
    });
    for (const p of planned) {
      const finite = tf.tidy(() => tf.all(tf.isFinite(p.next)).logicalAnd(tf.all(tf.notEqual(p.factor, 0))));
      const ok = (await finite.data())[0];
      finite.dispose();
      if (!ok) {
        tf.dispose(planned.flatMap((q) => [q.factor, q.next]));
        throw new UserError(
          `refusing to merge: the DoRA update for ${p.name} has NaN, Inf or zero-magnitude values`,
        );
      }
    }
    this.#mergedFactors = new Map();
    for (const p of planned) {
      this.model.params.get(p.name).assign(p.next);
      p.next.dispose();
      this.#mergedFactors.set(p.name, p.factor);
    }
  }

  unmerge(): void {
    const factors = this.#mergedFactors;
    if (!factors) throw new Error('this DoRA adapter is not merged');
    for (const d of this.modules.values()) {
      const w = this.model.params.get(d.weightName);
      const factor = factors.get(d.weightName) as tf.Tensor2D;
      tf.tidy(() => w.assign(w.div(factor).sub(tf.matMul(d.a, d.b).mul(this.#scale))));
      factor.dispose();
    }
    this.#mergedFactors = null;
  }

  protected tensorsOf(d: DoraModule): tf.Tensor[] {
    return [d.a, d.b, d.magnitude];
  }
}

export const doraMethod = registerMethod({
  type: 'dora',
  peft: doraPeft,
  create(model, config, seed, opts) {
    const scope = uniqueScope('dora');
    const modules = new Map<string, DoraModule>();
    const scale = loraScaling(config);
    let s = seed;
    for (const [m, info] of linearWeightTargets(model, config.targets, 'dora', 'DoRA here')) {
      // LoRA's A and B (B = 0), and m = ‖W + s·A·B‖ = ‖W‖: the model starts unchanged.
      const { a, b } = initLinearPair(info, config.r, `${scope}${m}`, s++);
      const w = model.params.get(info.weightName) as tf.Tensor2D;
      // In a tidy: the ones and the reshaped factor were left behind, 2 tensors per target and adapter.
      const initial = tf.tidy(() =>
        doraMergeTerms(w, a as tf.Tensor2D, b as tf.Tensor2D, tf.ones([info.outFeatures]), scale)
          .factor.reshape([-1])
          .reciprocal(),
      );
      const magnitude = trainableVar(initial, `${scope}${m}.m`);
      modules.set(m, { a, b, magnitude, weightName: info.weightName });
    }
    return new DoraAdapter(model, config, modules, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('dora');
    const trace = traceModules(model);
    const modules = new Map<string, DoraModule>();
    const saved = weightsByModule(weights, 'lora_A', ['lora_B', MAGNITUDE]);
    for (const [module, t] of saved.modules) {
      const info = trace.linear.get(module);
      if (!info?.weightName) throw notInModel(model, module);
      modules.set(module, {
        a: trainableVar((t.lora_A as tf.Tensor).clone(), `${scope}${module}.A`),
        b: trainableVar((t.lora_B as tf.Tensor).clone(), `${scope}${module}.B`),
        magnitude: trainableVar((t[MAGNITUDE] as tf.Tensor).reshape([-1]), `${scope}${module}.m`),
        weightName: info.weightName,
      });
    }
    return new DoraAdapter(model, config, modules, HeadCopy.fromTensors(saved.head, scope));
  },
});
