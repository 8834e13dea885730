/**
 * IA3 (Liu et al. 2022): learned scaling vectors. On attention projections the output is scaled; on feed-forward
 * modules the input is. Starts at ones (identity); mergeable into the weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { findArchitecture } from '../../models/architectures.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { matchesTarget } from '../base/targets.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import type { RowwiseParts } from '../base/rowwise.ts';
import { ia3Peft } from './peft.ts';
import { UserError } from '../../errors.ts';

export interface Ia3Config {
  /** Modules to scale; default: keys, values and the FFN output of the architecture. */
  targets?: readonly string[] | string;
  /** Which of the targets scale their input (feed-forward) instead of their output. */
  feedforward?: readonly string[] | string;
}

/** Default targets: what the architecture declares (models/<arch>/spec.ts), as PEFT's IA3 mappings. */
export const ia3Defaults = (modelType: string) => findArchitecture(modelType)?.ia3 ?? undefined;

interface Scale {
  v: tf.Variable;
  feedforward: boolean;
  weightName: string;
}

class Ia3Adapter implements AdapterInstance {
  readonly method = 'ia3' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly weights = new Map<string, tf.Variable>();
  #merged = false;
  readonly feedforwardModules: ReadonlySet<string>;

  constructor(
    private readonly model: Model,
    readonly scales: Map<string, Scale>,
    readonly head: HeadCopy,
  ) {
    for (const [m, s] of scales) this.weights.set(`${m}.ia3`, s.v);
    this.feedforwardModules = new Set([...scales].filter(([, s]) => s.feedforward).map(([m]) => m));
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get merged(): boolean {
    return this.#merged;
  }

  /** Unmerged only: a merged IA3 has changed the shared base weights, so it cannot share a batch. */
  get rowwise(): RowwiseParts | undefined {
    return this.#merged ? undefined : { kind: 'ia3', scales: this.scales, head: this.head };
  }

  get hooks() {
    return {
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) => {
        const fromHead = this.head.apply(name, x);
        if (fromHead) return fromHead;
        const s = this.scales.get(name);
        if (!s || this.#merged) return base(x);
        return s.feedforward ? base(x.mul(s.v) as tf.Tensor2D) : (base(x).mul(s.v) as tf.Tensor2D);
      },
    };
  }

  #apply(invert: boolean): void {
    for (const s of this.scales.values()) {
      const w = this.model.params.get(s.weightName);
      const factor = invert ? tf.tidy(() => tf.div(1, s.v)) : s.v;
      tf.tidy(() => {
        // Weights are [in, out]: feed-forward scales rows (inputs), otherwise columns (outputs) and the bias.
        w.assign(s.feedforward ? w.mul(factor.reshape([-1, 1])) : w.mul(factor.reshape([1, -1])));
        const biasName = s.weightName.replace(/weight$/, 'bias');
        if (!s.feedforward && this.model.params.has(biasName)) {
          const b = this.model.params.get(biasName);
          b.assign(b.mul(factor));
        }
      });
      if (invert) factor.dispose();
    }
  }

  /** Safe merge: vectors must be finite and non-zero (so the merge can be undone) before any weight changes. */
  async merge(): Promise<void> {
    if (this.#merged) throw new Error('this IA3 adapter is already merged');
    for (const s of this.scales.values()) {
      const bad = tf.tidy(() => tf.logicalOr(tf.any(tf.logicalNot(tf.isFinite(s.v))), tf.any(s.v.equal(0))));
      const refuse = (await bad.data())[0];
      bad.dispose();
      if (refuse)
        throw new UserError(`refusing to merge: IA3 vector for ${s.weightName} is not finite or has zeros`);
    }
    this.#apply(false);
    this.#merged = true;
  }

  unmerge(): void {
    if (!this.#merged) throw new Error('this IA3 adapter is not merged');
    this.#apply(true);
    this.#merged = false;
  }

  dispose(): void {
    if (this.#merged) this.unmerge();
    for (const s of this.scales.values()) s.v.dispose();
    this.head.dispose();
  }
}

function plan(model: Model, config: Ia3Config) {
  const d = ia3Defaults(model.config.modelType);
  const targets = config.targets ?? d?.targets;
  if (!targets)
    throw new UserError(`ia3: no default targets for ${model.config.modelType}; give ia3.targets`);
  const ff = config.feedforward ?? d?.feedforward ?? [];
  const trace = traceModules(model);
  const chosen = [...trace.linear.entries()].filter(
    ([m, info]) => info.weightName && matchesTarget(m, targets, 'ia3.targets'),
  );
  if (!chosen.length)
    throw new UserError(`ia3.targets ${JSON.stringify(targets)} match no module of this model`);
  return chosen.map(([m, info]) => ({
    module: m,
    info,
    feedforward: matchesTarget(m, ff, 'ia3.feedforward'),
  }));
}

export const ia3Method = registerMethod({
  type: 'ia3',
  peft: ia3Peft,
  create(model, config, seed, opts) {
    const scope = uniqueScope('ia3');
    const scales = new Map<string, Scale>();
    for (const p of plan(model, config)) {
      const n = p.feedforward ? p.info.inFeatures : p.info.outFeatures;
      scales.set(p.module, {
        v: trainableVar(tf.ones([n]), `${scope}${p.module}`),
        feedforward: p.feedforward,
        weightName: p.info.weightName as string,
      });
    }
    return new Ia3Adapter(model, scales, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('ia3');
    const scales = new Map<string, Scale>();
    const byModule = new Map(plan(model, config).map((p) => [p.module, p]));
    const head = new Map<string, tf.Tensor>();
    for (const [name, t] of weights) {
      if (!name.endsWith('.ia3')) {
        head.set(name, t);
        continue;
      }
      const module = name.slice(0, -'.ia3'.length);
      const p = byModule.get(module);
      if (!p) throw new UserError(`adapter scales ${module}, which is not an IA3 target of this model`);
      scales.set(module, {
        v: trainableVar(t.reshape([-1]), `${scope}${module}`),
        feedforward: p.feedforward,
        weightName: p.info.weightName as string,
      });
    }
    return new Ia3Adapter(model, scales, HeadCopy.fromTensors(head, scope));
  },
});
