/**
 * VeRA (Kopiczko et al. 2024), PEFT's `vera`: one pair of frozen random projections shared by every target, and
 * per target two trained vectors, λd (one per rank) and λb (one per output). Starts as the base (λb = 0);
 * mergeable. The projections are saved with the adapter (PEFT's save_projection=True). Linear layers only.
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
import { loraTargets } from '../lora/targets.ts';
import { veraDelta, veraWeightDelta } from './layer.ts';
import type { VeraShared } from './layer.ts';
import { VERA_A, VERA_B, veraPeft } from './peft.ts';
import { UserError } from '../../errors.ts';

type VeraConfig = MethodConfigOf<'vera'>;

interface VeraModule {
  lambdaD: tf.Variable;
  lambdaB: tf.Variable;
  weightName: string;
  inFeatures: number;
}

const names = (module: string) => ({ d: `${module}.vera_lambda_d`, b: `${module}.vera_lambda_b` });

class VeraAdapter implements AdapterInstance {
  readonly method = 'vera' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly weights = new Map<string, tf.Variable>();
  #merged = false;

  constructor(
    private readonly model: Model,
    readonly config: VeraConfig,
    /** Frozen: never in `weights`, saved by exportWeights. */
    readonly shared: VeraShared,
    readonly modules: Map<string, VeraModule>,
    readonly head: HeadCopy,
  ) {
    for (const [module, v] of modules) {
      const n = names(module);
      this.weights.set(n.d, v.lambdaD);
      this.weights.set(n.b, v.lambdaB);
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
        const v = this.modules.get(name);
        if (!v || this.#merged) return base(x);
        const rate = this.config.dropout;
        const xd = rate > 0 && info?.dropout ? info.dropout(x, rate) : x;
        const delta = veraDelta(xd, this.shared, v.lambdaD as tf.Tensor1D, v.lambdaB as tf.Tensor1D);
        return base(x).add(delta) as tf.Tensor2D;
      },
    };
  }

  #deltas(): { name: string; delta: tf.Tensor2D }[] {
    return [...this.modules.values()].map((v) => ({
      name: v.weightName,
      delta: veraWeightDelta(this.shared, v.inFeatures, v.lambdaD as tf.Tensor1D, v.lambdaB as tf.Tensor1D),
    }));
  }

  /** Safe merge: every update is checked before any weight changes. */
  async merge(): Promise<void> {
    if (this.#merged) throw new Error('this VeRA adapter is already merged');
    const deltas = this.#deltas();
    for (const d of deltas) {
      const finite = tf.tidy(() => tf.all(tf.isFinite(d.delta)));
      const ok = (await finite.data())[0];
      finite.dispose();
      if (!ok) {
        tf.dispose(deltas.map((x) => x.delta));
        throw new UserError(`refusing to merge: the VeRA update for ${d.name} has NaN or Inf values`);
      }
    }
    this.#apply(deltas, 1);
    this.#merged = true;
  }

  unmerge(): void {
    if (!this.#merged) throw new Error('this VeRA adapter is not merged');
    this.#apply(this.#deltas(), -1);
    this.#merged = false;
  }

  #apply(deltas: { name: string; delta: tf.Tensor2D }[], sign: 1 | -1): void {
    for (const d of deltas) {
      const w = this.model.params.get(d.name);
      tf.tidy(() => w.assign(w.add(d.delta.mul(sign))));
      d.delta.dispose();
    }
  }

  /** The trained vectors and head, plus the shared projections (PEFT's save_projection=True). */
  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    const out = new Map<string, tf.Tensor>([...this.weights].map(([n, w]) => [n, w.clone()]));
    out.set(VERA_A, this.shared.a.clone());
    out.set(VERA_B, this.shared.b.clone());
    return out;
  }

  dispose(): void {
    if (this.#merged) this.unmerge();
    for (const v of this.modules.values()) tf.dispose([v.lambdaD, v.lambdaB]);
    tf.dispose([this.shared.a, this.shared.b]);
    this.head.dispose();
  }
}

/** The linear layers VeRA adapts, each with its frozen weight. */
function plan(
  model: Model,
  targets: VeraConfig['targets'],
): Map<string, LinearInfo & { weightName: string }> {
  const trace = traceModules(model);
  const { linear, conv } = loraTargets(model, targets, 'vera');
  if (conv.length)
    throw new UserError(`vera.targets match convolutions (${conv[0]}); VeRA adapts linear layers only`);
  const out = new Map<string, LinearInfo & { weightName: string }>();
  for (const m of linear) {
    const info = trace.linear.get(m);
    if (!info?.weightName) throw new UserError(`vera.targets: ${m} has no weight of its own (a tied head?)`);
    out.set(m, { ...info, weightName: info.weightName });
  }
  return out;
}

export const veraMethod = registerMethod({
  type: 'vera',
  peft: veraPeft,
  create(model, config, seed, opts) {
    const scope = uniqueScope('vera');
    const targets = plan(model, config.targets);
    const maxIn = Math.max(...[...targets.values()].map((t) => t.inFeatures));
    const maxOut = Math.max(...[...targets.values()].map((t) => t.outFeatures));
    // PEFT's kaiming-uniform projections, sized for the largest target: U(±sqrt(6 / fan_in)).
    const shared: VeraShared = {
      a: uniform([maxIn, config.r], Math.sqrt(6 / maxIn), seed) as tf.Tensor2D,
      b: uniform([config.r, maxOut], Math.sqrt(6 / config.r), seed + 1) as tf.Tensor2D,
    };
    const modules = new Map<string, VeraModule>();
    for (const [m, info] of targets) {
      modules.set(m, {
        lambdaD: trainableVar(tf.fill([config.r], config.dInitial), `${scope}${m}.d`),
        lambdaB: trainableVar(tf.zeros([info.outFeatures]), `${scope}${m}.b`),
        weightName: info.weightName,
        inFeatures: info.inFeatures,
      });
    }
    const head = HeadCopy.forLabels(model, opts?.numLabels ?? 0, scope, seed + 7919);
    return new VeraAdapter(model, config, shared, modules, head);
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('vera');
    const a = weights.get(VERA_A);
    const b = weights.get(VERA_B);
    if (!a || !b) throw new UserError(`a VeRA adapter needs its projections ${VERA_A} and ${VERA_B}`);
    const trace = traceModules(model);
    const modules = new Map<string, VeraModule>();
    const head = new Map<string, tf.Tensor>();
    for (const [name, t] of weights) {
      if (name === VERA_A || name === VERA_B || name.endsWith('.vera_lambda_b')) continue;
      if (!name.endsWith('.vera_lambda_d')) {
        head.set(name, t);
        continue;
      }
      const module = name.slice(0, -'.vera_lambda_d'.length);
      const lb = weights.get(names(module).b);
      const info = trace.linear.get(module);
      if (!lb) throw new UserError(`adapter has ${name} but no ${names(module).b}`);
      if (!info?.weightName)
        throw new UserError(
          `adapter targets ${module}, which this ${model.config.modelType} model does not have`,
        );
      if (info.inFeatures > (a.shape[0] as number) || info.outFeatures > (b.shape[1] as number))
        throw new UserError(
          `${VERA_A}/${VERA_B} are smaller than ${module} (${info.inFeatures} -> ${info.outFeatures})`,
        );
      modules.set(module, {
        lambdaD: trainableVar(t.reshape([-1]), `${scope}${module}.d`),
        lambdaB: trainableVar(lb.reshape([-1]), `${scope}${module}.b`),
        weightName: info.weightName,
        inFeatures: info.inFeatures,
      });
    }
    const shared: VeraShared = { a: a.clone() as tf.Tensor2D, b: b.clone() as tf.Tensor2D };
    return new VeraAdapter(model, config, shared, modules, HeadCopy.fromTensors(head, scope));
  },
});
