/**
 * The `fuse` method (AdapterFusion): fusion layers over frozen bottleneck adapters from the library, plus a task
 * head for the target dataset. Only the fusion layers and the head train; the fused adapters and the base stay
 * bit-identical. The saved folder carries the fused adapters' weights (`sources.<i>.`) and configs, so it loads,
 * exports as a bundle and imports without the library it came from.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeSource } from '../../../src-shared/compose.ts';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import { UserError } from '../../errors.ts';
import type { Model } from '../../models/base/types.ts';
import { positionsOf } from '../bottleneck/config.ts';
import type { BottleneckConfig } from '../bottleneck/config.ts';
import { HeadCopy } from '../base/head.ts';
import { trainableVar, uniqueScope } from '../base/init.ts';
import { parseMethodConfig, registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import {
  describeSourceFolder,
  loadSources,
  savedSource,
  sourcePrefix,
  sourceWeights,
} from '../compose/sources.ts';
import { fuse, fusionNames, fusionParams, initFusion } from './fusion.ts';
import type { FusionLayer } from './fusion.ts';

type FuseConfig = MethodConfigOf<'fuse'>;

export class FuseAdapter implements AdapterInstance {
  readonly method = 'fuse' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    readonly sources: AdapterInstance[],
    readonly recipe: ComposeSource[],
    readonly layers: Map<string, FusionLayer>,
    readonly head: HeadCopy,
  ) {
    for (const [key, f] of layers) {
      const [layer, kind] = key.split('/') as [string, string];
      const n = fusionNames(Number(layer), kind);
      for (const k of Object.keys(n) as (keyof FusionLayer)[]) this.weights.set(n[k], f[k]);
    }
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  get hooks() {
    return {
      sublayerOutput: (layer: number, kind: 'attention' | 'ffn', out: tf.Tensor2D, input: tf.Tensor2D) => {
        const f = this.layers.get(`${layer}/${kind}`);
        if (!f) return out;
        const ups = this.sources.map((s) => {
          const adapted = s.hooks.sublayerOutput?.(layer, kind, out, input) ?? out;
          return adapted.sub(out) as tf.Tensor2D;
        });
        return fuse(f, out, ups);
      },
      // The fused adapters' own heads answer their own tasks: the fusion trains a head for the target task.
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    const out = await sourceWeights(this.sources);
    for (const [n, v] of this.weights) out.set(n, v.clone());
    return out;
  }

  savedConfig(config: Record<string, unknown>): Record<string, unknown> {
    const { adapters: _adapters, ...rest } = config;
    return { ...rest, sources: this.recipe.map(savedSource) };
  }

  dispose(): void {
    for (const s of this.sources) s.dispose();
    for (const f of this.layers.values()) tf.dispose(fusionParams(f));
    this.head.dispose();
  }
}

/** The fused adapters as recipe entries, from the config's folders (run ids were turned into folders by main). */
function recipeOf(config: FuseConfig): ComposeSource[] {
  if (config.sources) return config.sources;
  if (!config.adapters) throw new UserError('fuse: name the adapters to fuse (method.adapters)');
  return config.adapters.map((a) => {
    if (typeof a === 'number')
      throw new UserError(`fuse: adapter ${a}: run ids are resolved in a project; give the adapter's folder`);
    return { ...describeSourceFolder(a), name: path.basename(path.dirname(a)), dir: a };
  });
}

/** Where fusion layers go: every position some fused adapter adapts. Fusion takes bottleneck adapters only. */
function positions(model: Model, recipe: readonly ComposeSource[]): string[] {
  // Its fusion layers are one width, numLayers deep: CLIP's two towers (sublayerWidths) are not mapped yet.
  if (model.config.sublayerWidths)
    throw new UserError(`fuse: AdapterFusion does not run inside ${model.config.modelType}'s towers yet`);
  const kinds = new Set<string>();
  for (const [i, s] of recipe.entries()) {
    if (s.method !== 'bottleneck')
      throw new UserError(
        `fuse: source ${i} (${s.name ?? s.method}) is a ${s.method} adapter; AdapterFusion fuses bottleneck adapters`,
      );
    const c = parseMethodConfig('bottleneck', s.config, { ignoreOtherKeys: true }) as BottleneckConfig;
    for (const k of positionsOf(c)) kinds.add(k);
  }
  return Array.from({ length: model.config.numLayers }, (_, l) => [...kinds].map((k) => `${l}/${k}`)).flat();
}

export const fuseMethod = registerMethod({
  type: 'fuse',
  create(model, config, seed, opts) {
    const recipe = recipeOf(config);
    const where = positions(model, recipe);
    const sources = loadSources(model, recipe);
    const scope = uniqueScope('fuse');
    const layers = new Map(
      where.map((key, i) => [key, initFusion(model.config.hiddenSize, seed + 2 * i, `${scope}${key}`)]),
    );
    return new FuseAdapter(sources, recipe, layers, HeadCopy.forAdapter(model, opts, scope, seed));
  },
  fromWeights(model, config, weights) {
    const recipe = recipeOf(config);
    const where = positions(model, recipe);
    const saved = [...weights.keys()].some((n) => n.startsWith(sourcePrefix(0)));
    const sources = loadSources(model, recipe, saved ? weights : undefined);
    const scope = uniqueScope('fuse');
    const layers = new Map<string, FusionLayer>();
    const head = new Map<string, tf.Tensor>();
    try {
      for (const key of where) {
        const [layer, kind] = key.split('/') as [string, string];
        const n = fusionNames(Number(layer), kind);
        const get = (name: string) => {
          const t = weights.get(name);
          if (!t) throw new UserError(`fuse: the saved fusion is missing ${name}`);
          return trainableVar(t.clone(), `${scope}${name}`);
        };
        layers.set(key, {
          query: get(n.query),
          queryBias: get(n.queryBias),
          key: get(n.key),
          keyBias: get(n.keyBias),
          value: get(n.value),
        });
      }
    } catch (err) {
      for (const s of sources) s.dispose();
      for (const f of layers.values()) tf.dispose(fusionParams(f));
      throw err;
    }
    for (const [name, t] of weights)
      if (!name.startsWith('sources.') && !name.startsWith('fusion.')) head.set(name, t);
    return new FuseAdapter(sources, recipe, layers, HeadCopy.fromTensors(head, scope));
  },
});
