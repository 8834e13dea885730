/**
 * Prefix tuning (Li & Liang 2021): trainable key/value prefixes for every attention layer. While training they
 * are reparameterised by a small MLP over a prefix embedding (more stable); the saved adapter holds the resulting
 * per-layer prefixes only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { callsHook } from '../../models/architectures.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { normal, trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import { UserError } from '../../errors.ts';

export interface PrefixConfig {
  prefixLength: number;
  /** Hidden size of the reparameterisation MLP (default: the model's hidden size). */
  projectionSize?: number;
}

interface Geometry {
  layers: number;
  kvHeads: number;
  headDim: number;
}

function geometry(model: Model): Geometry {
  if (!callsHook(model.config.modelType, 'attentionKV'))
    throw new UserError('prefix tuning needs a transformer');
  const c = model.config as typeof model.config & { kvHeads?: number; headDim?: number };
  return {
    layers: c.numLayers,
    kvHeads: c.kvHeads ?? c.numHeads,
    headDim: c.headDim ?? c.hiddenSize / c.numHeads,
  };
}

/** Per layer: either a fixed prefix [2, kvHeads, L, headDim], or the MLP that produces it. */
type LayerPrefix = { kind: 'fixed'; kv: tf.Variable } | { kind: 'mlp'; w2: tf.Variable; b2: tf.Variable };

class PrefixAdapter implements AdapterInstance {
  readonly method = 'prefix' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly g: Geometry,
    readonly length: number,
    readonly layers: LayerPrefix[],
    readonly shared: { embedding: tf.Variable; w1: tf.Variable; b1: tf.Variable } | null,
    readonly head: HeadCopy,
  ) {
    if (shared)
      this.weights
        .set('prefix.embedding', shared.embedding)
        .set('prefix.mlp.w1', shared.w1)
        .set('prefix.mlp.b1', shared.b1);
    layers.forEach((l, i) => {
      if (l.kind === 'fixed') this.weights.set(`prefix.${i}.kv`, l.kv);
      else this.weights.set(`prefix.${i}.mlp.w2`, l.w2).set(`prefix.${i}.mlp.b2`, l.b2);
    });
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  /** [2, kvHeads, L, headDim] for one layer. */
  prefixOf(layer: number): tf.Tensor {
    const l = this.layers[layer];
    if (!l) throw new Error(`no prefix for layer ${layer}`);
    if (l.kind === 'fixed') return l.kv;
    const s = this.shared as NonNullable<PrefixAdapter['shared']>;
    const hidden = tf.tanh(
      tf.matMul(s.embedding as tf.Tensor2D, s.w1 as tf.Tensor2D).add(s.b1),
    ) as tf.Tensor2D;
    const out = tf.matMul(hidden, l.w2 as tf.Tensor2D).add(l.b2); // [L, 2 * kvHeads * headDim]
    return out.reshape([this.length, 2, this.g.kvHeads, this.g.headDim]).transpose([1, 2, 0, 3]);
  }

  get hooks() {
    return {
      attentionKV: (layer: number, k: tf.Tensor4D, v: tf.Tensor4D) => {
        const batch = k.shape[0];
        const [pk, pv] = tf.unstack(this.prefixOf(layer), 0) as [tf.Tensor3D, tf.Tensor3D];
        const tile = (p: tf.Tensor3D) => p.expandDims(0).tile([batch, 1, 1, 1]) as tf.Tensor4D;
        return {
          k: tf.concat([tile(pk), k], 2) as tf.Tensor4D,
          v: tf.concat([tile(pv), v], 2) as tf.Tensor4D,
          added: this.length,
        };
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  /** The fixed per-layer prefixes (what is saved). */
  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    const out = new Map<string, tf.Tensor>();
    for (let i = 0; i < this.layers.length; i++)
      out.set(
        `prefix.${i}.kv`,
        tf.tidy(() => this.prefixOf(i).clone()),
      );
    for (const [name, w] of this.head.weights) out.set(name, w.clone());
    return out;
  }

  dispose(): void {
    for (const w of this.weights.values()) w.dispose();
  }
}

export const prefixMethod = registerMethod({
  type: 'prefix',
  create(model, config, seed, opts) {
    const g = geometry(model);
    const scope = uniqueScope('prefix');
    const H = model.config.hiddenSize;
    const P = config.projectionSize ?? H;
    const L = config.prefixLength;
    const shared = {
      embedding: trainableVar(normal([L, H], 0.02, seed), `${scope}embedding`),
      w1: trainableVar(normal([H, P], 0.02, seed + 1), `${scope}w1`),
      b1: trainableVar(tf.zeros([P]), `${scope}b1`),
    };
    const layers: LayerPrefix[] = Array.from({ length: g.layers }, (_, i) => ({
      kind: 'mlp',
      w2: trainableVar(normal([P, 2 * g.kvHeads * g.headDim], 0.02, seed + 2 + i), `${scope}${i}.w2`),
      b2: trainableVar(tf.zeros([2 * g.kvHeads * g.headDim]), `${scope}${i}.b2`),
    }));
    return new PrefixAdapter(g, L, layers, shared, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    const g = geometry(model);
    const scope = uniqueScope('prefix');
    const layers: LayerPrefix[] = [];
    const head = new Map<string, tf.Tensor>();
    for (const [name, t] of weights) if (!name.startsWith('prefix.')) head.set(name, t);
    for (let i = 0; i < g.layers; i++) {
      const kv = weights.get(`prefix.${i}.kv`);
      if (!kv) throw new UserError(`prefix adapter is missing prefix.${i}.kv`);
      layers.push({ kind: 'fixed', kv: trainableVar(kv.clone(), `${scope}${i}.kv`) });
    }
    return new PrefixAdapter(g, config.prefixLength, layers, null, HeadCopy.fromTensors(head, scope));
  },
});
