/**
 * VeRA (Kopiczko et al. 2024), PEFT's `vera`: one pair of frozen random projections shared by every target, and
 * per target two trained vectors, λd (one per rank) and λb (one per output). Starts as the base (λb = 0);
 * mergeable. The projections are saved with the adapter (PEFT's save_projection=True). Linear layers only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { AdditiveLowRankAdapter, notInModel, weightsByModule } from '../base/low-rank.ts';
import type { WeightDelta } from '../base/low-rank.ts';
import { trainableVar, uniform, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import { traceModules } from '../base/trace.ts';
import type { AdapterInstance } from '../base/types.ts';
import { linearWeightTargets } from '../lora/targets.ts';
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

const LAMBDA_D = 'vera_lambda_d';
const LAMBDA_B = 'vera_lambda_b';

class VeraAdapter extends AdditiveLowRankAdapter<VeraModule> implements AdapterInstance {
  readonly method = 'vera' as const;
  protected readonly label = 'VeRA';

  constructor(
    model: Model,
    readonly config: VeraConfig,
    /** Frozen: never in `weights`, saved by exportWeights. */
    readonly shared: VeraShared,
    modules: Map<string, VeraModule>,
    head: HeadCopy,
  ) {
    super(model, modules, head, config.dropout, (v) => ({ [LAMBDA_D]: v.lambdaD, [LAMBDA_B]: v.lambdaB }));
  }

  protected linearDelta(v: VeraModule, x: tf.Tensor2D): tf.Tensor2D {
    return veraDelta(x, this.shared, v.lambdaD as tf.Tensor1D, v.lambdaB as tf.Tensor1D);
  }

  protected weightDeltas(): WeightDelta[] {
    return [...this.modules.values()].map((v) => ({
      name: v.weightName,
      delta: veraWeightDelta(this.shared, v.inFeatures, v.lambdaD as tf.Tensor1D, v.lambdaB as tf.Tensor1D),
    }));
  }

  protected tensorsOf(v: VeraModule): tf.Tensor[] {
    return [v.lambdaD, v.lambdaB];
  }

  /** The trained vectors and head, plus the shared projections (PEFT's save_projection=True). */
  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    const out = new Map<string, tf.Tensor>([...this.weights].map(([n, w]) => [n, w.clone()]));
    out.set(VERA_A, this.shared.a.clone());
    out.set(VERA_B, this.shared.b.clone());
    return out;
  }

  override dispose(): void {
    super.dispose();
    tf.dispose([this.shared.a, this.shared.b]);
  }
}

export const veraMethod = registerMethod({
  type: 'vera',
  peft: veraPeft,
  create(model, config, seed, opts) {
    const scope = uniqueScope('vera');
    const targets = linearWeightTargets(model, config.targets, 'vera', 'VeRA');
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
    const head = HeadCopy.forAdapter(model, opts, scope, seed);
    return new VeraAdapter(model, config, shared, modules, head);
  },
  fromWeights(model, config, weights) {
    const scope = uniqueScope('vera');
    const a = weights.get(VERA_A);
    const b = weights.get(VERA_B);
    if (!a || !b) throw new UserError(`a VeRA adapter needs its projections ${VERA_A} and ${VERA_B}`);
    const trace = traceModules(model);
    const modules = new Map<string, VeraModule>();
    const isProjection = (name: string) => name === VERA_A || name === VERA_B;
    const saved = weightsByModule(weights, LAMBDA_D, [LAMBDA_B], isProjection);
    for (const [module, t] of saved.modules) {
      const info = trace.linear.get(module);
      if (!info?.weightName) throw notInModel(model, module);
      if (info.inFeatures > (a.shape[0] as number) || info.outFeatures > (b.shape[1] as number))
        throw new UserError(
          `${VERA_A}/${VERA_B} are smaller than ${module} (${info.inFeatures} -> ${info.outFeatures})`,
        );
      modules.set(module, {
        lambdaD: trainableVar((t[LAMBDA_D] as tf.Tensor).reshape([-1]), `${scope}${module}.d`),
        lambdaB: trainableVar((t[LAMBDA_B] as tf.Tensor).reshape([-1]), `${scope}${module}.b`),
        weightName: info.weightName,
        inFeatures: info.inFeatures,
      });
    }
    const shared: VeraShared = { a: a.clone() as tf.Tensor2D, b: b.clone() as tf.Tensor2D };
    return new VeraAdapter(model, config, shared, modules, HeadCopy.fromTensors(saved.head, scope));
  },
});
