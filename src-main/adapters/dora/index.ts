/**
 * DoRA (Liu et al. 2024), PEFT's LoRA with use_dora=True: each target's weight is split into a direction, updated
 * by LoRA, and a trained magnitude per output feature. Starts as the base (B = 0, m = ‖W‖); mergeable. Linear
 * layers only (PEFT's DoRA on Conv2d is not carried over).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import type { LinearInfo } from '../../models/base/hooks.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { trainableVar, uniform, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import { loraScaling } from '../lora/config.ts';
import { loraNames } from '../lora/index.ts';
import { loraTargets } from '../lora/targets.ts';
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

class DoraAdapter implements AdapterInstance {
  readonly method = 'dora' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly weights = new Map<string, tf.Variable>();
  readonly #scale: number;
  /** While merged: each weight's factor m/‖W + s·A·B‖, to undo the merge (PEFT caches the norm the same way). */
  #mergedFactors: Map<string, tf.Tensor2D> | null = null;

  constructor(
    private readonly model: Model,
    readonly config: DoraConfig,
    readonly modules: Map<string, DoraModule>,
    readonly head: HeadCopy,
  ) {
    this.#scale = loraScaling(config);
    for (const [module, d] of modules) {
      const n = loraNames(module);
      this.weights.set(n.a, d.a);
      this.weights.set(n.b, d.b);
      this.weights.set(`${module}.${MAGNITUDE}`, d.magnitude);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get merged(): boolean {
    return this.#mergedFactors !== null;
  }

  get hooks() {
    return {
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D, info?: LinearInfo) => {
        const fromHead = this.head.apply(name, x);
        if (fromHead) return fromHead;
        const d = this.modules.get(name);
        if (!d || this.merged) return base(x);
        const rate = this.config.dropout;
        const xd = rate > 0 && info?.dropout ? info.dropout(x, rate) : x;
        const w = this.model.params.get(d.weightName) as tf.Tensor2D;
        const delta = doraDelta(
          xd,
          w,
          d.a as tf.Tensor2D,
          d.b as tf.Tensor2D,
          d.magnitude as tf.Tensor1D,
          this.#scale,
        );
        return base(x).add(delta) as tf.Tensor2D;
      },
    };
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

  dispose(): void {
    if (this.merged) this.unmerge();
    for (const d of this.modules.values()) tf.dispose([d.a, d.b, d.magnitude]);
    this.head.dispose();
  }
}

/** The linear layers DoRA adapts, each with its frozen weight (a tied head has none to decompose). */
function plan(model: Model, config: DoraConfig): Map<string, LinearInfo & { weightName: string }> {
  const trace = traceModules(model);
  const { linear, conv } = loraTargets(model, config.targets, 'dora');
  if (conv.length)
    throw new UserError(`dora.targets match convolutions (${conv[0]}); DoRA here adapts linear layers only`);
  const out = new Map<string, LinearInfo & { weightName: string }>();
  for (const m of linear) {
    const info = trace.linear.get(m);
    if (!info?.weightName) throw new UserError(`dora.targets: ${m} has no weight of its own (a tied head?)`);
    out.set(m, { ...info, weightName: info.weightName });
  }
  return out;
}

export const doraMethod = registerMethod({
  type: 'dora',
  peft: doraPeft,
  create(model, config, seed, opts) {
    const scope = uniqueScope('dora');
    const modules = new Map<string, DoraModule>();
    const scale = loraScaling(config);
    let s = seed;
    for (const [m, info] of plan(model, config)) {
      // PEFT: A ~ kaiming_uniform(a=sqrt(5)), B = 0, and m = ‖W + s·A·B‖ = ‖W‖: the model starts unchanged.
      const a = trainableVar(
        uniform([info.inFeatures, config.r], 1 / Math.sqrt(info.inFeatures), s++),
        `${scope}${m}.A`,
      );
      const b = trainableVar(tf.zeros([config.r, info.outFeatures]), `${scope}${m}.B`);
      const w = model.params.get(info.weightName) as tf.Tensor2D;
      const norm = doraMergeTerms(w, a as tf.Tensor2D, b as tf.Tensor2D, tf.ones([info.outFeatures]), scale);
      norm.delta.dispose();
      const magnitude = trainableVar(norm.factor.reshape([-1]).reciprocal(), `${scope}${m}.m`);
      norm.factor.dispose();
      modules.set(m, { a, b, magnitude, weightName: info.weightName });
    }
    return new DoraAdapter(
      model,
      config,
      modules,
      HeadCopy.forLabels(model, opts?.numLabels ?? 0, scope, seed + 7919),
    );
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('dora');
    const trace = traceModules(model);
    const modules = new Map<string, DoraModule>();
    const head = new Map<string, tf.Tensor>();
    for (const [name, t] of weights) {
      if (name.endsWith('.lora_B') || name.endsWith(`.${MAGNITUDE}`)) continue;
      if (!name.endsWith('.lora_A')) {
        head.set(name, t);
        continue;
      }
      const module = name.slice(0, -'.lora_A'.length);
      const b = weights.get(`${module}.lora_B`);
      const m = weights.get(`${module}.${MAGNITUDE}`);
      if (!b || !m)
        throw new UserError(`adapter has ${name} but no ${module}.lora_B or ${module}.${MAGNITUDE}`);
      const info = trace.linear.get(module);
      if (!info?.weightName)
        throw new UserError(
          `adapter targets ${module}, which this ${model.config.modelType} model does not have`,
        );
      modules.set(module, {
        a: trainableVar(t.clone(), `${scope}${module}.A`),
        b: trainableVar(b.clone(), `${scope}${module}.B`),
        magnitude: trainableVar(m.reshape([-1]), `${scope}${module}.m`),
        weightName: info.weightName,
      });
    }
    return new DoraAdapter(model, config, modules, HeadCopy.fromTensors(head, scope));
  },
});
