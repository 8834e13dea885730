/**
 * The `router` method (Adapter Selector). While it trains, its hooks are only its own head on the frozen base, so
 * the model's output is the router's logits over the adapters (one class per adapter, in source order) and the
 * studio's ordinary training loop, evaluation and confusion matrix are those of the routing task. Once saved and
 * loaded it answers the adapters' questions through `forward`: one base pass for the router, then the picked
 * adapter (hard) or every adapter (soft), their probabilities mixed over the union of their labels (mix.ts).
 * The saved folder carries the routed adapters (`sources.<i>.`), so it loads, bundles and imports alone.
 * In `layers` mode (X-LoRA style, layers.ts) the head is a gate with a weight per (layer, adapter); it trains on the
 * tasks' own answers through the two-pass `trainForward`, and its labels are the union of the adapters' in the
 * order a dataset sorts them (the order of its training data's classes).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeSource } from '../../../src-shared/compose.ts';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import { discoverLabels } from '../../data/labels.ts';
import { UserError } from '../../errors.ts';
import { callsHook } from '../../models/architectures.ts';
import type { ForwardOptions, Model, ModelInputs } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import {
  describeSourceFolder,
  loadSources,
  savedSource,
  sourcePrefix,
  sourceWeights,
} from '../compose/sources.ts';
import { gateSlots, gateWeights, layerMixHooks, refuseUnmixable } from './layers.ts';
import { mixProbabilities, placement, routeWeights, sourceLabels, unionLabels } from './mix.ts';

type RouterConfig = MethodConfigOf<'router'>;

/** Per input: the adapters the router used and their weights (hard: one adapter with weight 1). */
export type Routing = { source: number; weight: number }[];

export class RouterAdapter implements AdapterInstance {
  readonly method = 'router' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights: Map<string, tf.Variable>;
  /** The answers' labels: the union of the routed adapters' labels. */
  readonly labels: string[];
  readonly #placements: tf.Tensor2D[];

  constructor(
    readonly sources: AdapterInstance[],
    readonly recipe: ComposeSource[],
    readonly mode: RouterConfig['mode'],
    readonly head: HeadCopy,
    readonly topK?: number,
  ) {
    this.weights = new Map(head.weights);
    const own = sourceLabels(recipe);
    this.labels = mode === 'layers' ? discoverLabels(unionLabels(own)) : unionLabels(own);
    this.#placements = own.map((l) => placement(l, this.labels));
  }

  /** The router alone on the frozen base: its logits over the adapters are the model's output. */
  get hooks() {
    return {
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  /** Router weights [rows, N] for `inputs` (soft: its softmax; hard: one-hot of its pick; layers: the answer's). */
  route(model: Model, inputs: ModelInputs): tf.Tensor2D {
    return tf.tidy(() => {
      if (this.mode !== 'layers')
        return routeWeights(model.forward(inputs, { hooks: this.hooks }).logits as tf.Tensor2D, this.mode);
      const g = this.gates(model, inputs);
      const [rows, slots, n] = g.shape;
      return g.slice([0, slots - 1, 0], [rows, 1, n]).reshape([rows, n]) as tf.Tensor2D;
    });
  }

  /** `layers` mode: the gate weights [rows, layers + 1, N] (the last slot weighs the adapters' answers). */
  gates(model: Model, inputs: ModelInputs): tf.Tensor3D {
    return tf.tidy(() => {
      const logits = model.forward(inputs, { hooks: this.hooks }).logits as tf.Tensor2D;
      return gateWeights(logits, gateSlots(model), this.sources.length, this.topK);
    });
  }

  /** `layers` mode: per input, its gate weights as numbers, [slot][adapter] (the playground's heat table). */
  async layerWeights(model: Model, inputs: ModelInputs): Promise<number[][][]> {
    const g = this.gates(model, inputs);
    return await g.array().finally(() => g.dispose());
  }

  /** Per input, the adapters used and their weights, largest first (the playground shows them). */
  async routing(model: Model, inputs: ModelInputs): Promise<Routing[]> {
    const w = this.route(model, inputs);
    const rows = await w.array().finally(() => w.dispose());
    return rows.map((r) =>
      r
        .map((weight, source) => ({ source, weight }))
        .filter((x) => x.weight > 0)
        .sort((a, b) => b.weight - a.weight),
    );
  }

  /** Log-probabilities [rows, labels] over the union of the adapters' labels: the routed answer. */
  async forward(model: Model, inputs: ModelInputs): Promise<tf.Tensor2D> {
    if (this.mode === 'layers') return this.#mixed(model, inputs, {});
    const w = this.route(model, inputs);
    try {
      // Hard routing runs only the adapters some row picked (read back asynchronously: w may be on a GPU).
      const used = this.mode === 'hard' ? new Set(await picks(w)) : null;
      return tf.tidy(() => {
        const probs = this.sources.map((s, n) =>
          used && !used.has(n)
            ? null
            : tf.softmax(model.forward(inputs, { hooks: s.hooks }).logits as tf.Tensor2D),
        );
        return mixProbabilities(w, probs, this.#placements);
      });
    } finally {
      w.dispose();
    }
  }

  /**
   * What the training loop scores: in `layers` mode the mixture's answer (the gate is trained through it, on the
   * tasks' own labels); absent for hard and soft, which train on their hooks' routing logits.
   */
  get trainForward() {
    return this.mode === 'layers'
      ? (model: Model, inputs: ModelInputs, opts: Omit<ForwardOptions, 'hooks'>) =>
          this.#mixed(model, inputs, opts)
      : undefined;
  }

  /** The gates from a first pass of the base, then the adapters weighed per layer in a second (layers.ts). */
  #mixed(model: Model, inputs: ModelInputs, opts: Omit<ForwardOptions, 'hooks'>): tf.Tensor2D {
    return tf.tidy(() => {
      const w = this.gates(model, inputs);
      const hooks = layerMixHooks(this.sources, w, this.#placements);
      return model.forward(inputs, { ...opts, hooks }).logits as tf.Tensor2D;
    });
  }

  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    const out = await sourceWeights(this.sources);
    for (const [n, v] of this.weights) out.set(n, v.clone());
    return out;
  }

  /**
   * The labels a saved router answers are the union of its adapters' (what `forward` returns); the routing classes
   * it was trained on (one per adapter) are kept as `routes`.
   */
  savedConfig(config: Record<string, unknown>): Record<string, unknown> {
    const { adapters: _adapters, ...rest } = config;
    const routes = (config.routes ?? config.labels) as unknown;
    if (this.mode === 'layers') {
      // Its classes are the tasks' answers; `routes` (main's names for the adapters) only name the sources.
      const { routes: _routes, ...own } = rest;
      const names = Array.isArray(routes) && routes.length === this.recipe.length ? routes.map(String) : null;
      return {
        ...own,
        sources: this.recipe.map((s, i) =>
          names ? { ...savedSource(s), name: (names[i] as string).replace(/^\d+ /, '') } : savedSource(s),
        ),
        labels: this.labels,
        task: 'classification',
      };
    }
    // Main names each class after its library run (`01 #3 spam adapter`): the sources keep that name.
    const named = (s: ComposeSource, i: number) => {
      const r = Array.isArray(routes) && routes.length === this.recipe.length ? String(routes[i]) : null;
      return r && /^\d+ /.test(r) ? { ...savedSource(s), name: r.replace(/^\d+ /, '') } : savedSource(s);
    };
    return {
      ...rest,
      sources: this.recipe.map(named),
      routes,
      labels: this.labels,
      task: 'classification',
    };
  }

  dispose(): void {
    for (const s of this.sources) s.dispose();
    tf.dispose(this.#placements);
    this.head.dispose();
  }
}

/** Each row's picked adapter (the column of its largest weight). */
async function picks(w: tf.Tensor2D): Promise<Int32Array> {
  const best = tf.argMax(w, 1);
  try {
    return (await best.data()) as Int32Array;
  } finally {
    best.dispose();
  }
}

/** The routed adapters as recipe entries, from the config's folders (run ids were turned into folders by main). */
function recipeOf(config: RouterConfig): ComposeSource[] {
  if (config.sources) return config.sources;
  if (!config.adapters) throw new UserError('router: name the adapters to route between (method.adapters)');
  return config.adapters.map((a) => {
    if (typeof a === 'number')
      throw new UserError(
        `router: adapter ${a}: run ids are resolved in a project; give the adapter's folder`,
      );
    return { ...describeSourceFolder(a), name: path.basename(path.dirname(a)), dir: a };
  });
}

export const routerMethod = registerMethod({
  type: 'router',
  create(model, config, seed, opts) {
    const recipe = recipeOf(config);
    const own = sourceLabels(recipe); // refuses adapters that answer no labels before anything is built
    if (config.mode === 'layers') return createLayers(model, config, recipe, own, seed, opts?.numLabels);
    // One class per adapter, in source order (main labels the training inputs `01 …`, `02 …`, which sort so).
    if (opts?.numLabels !== undefined && opts.numLabels !== 0 && opts.numLabels !== recipe.length)
      throw new UserError(
        `router: the training data has ${opts.numLabels} labels; a router over ${recipe.length} adapters needs one per adapter`,
      );
    const sources = loadSources(model, recipe);
    const scope = uniqueScope('router');
    return new RouterAdapter(
      sources,
      recipe,
      config.mode,
      HeadCopy.forLabels(model, recipe.length, scope, seed + 7919),
    );
  },
  fromWeights(model, config, weights) {
    const recipe = recipeOf(config);
    const saved = [...weights.keys()].some((n) => n.startsWith(sourcePrefix(0)));
    const sources = loadSources(model, recipe, saved ? weights : undefined);
    const head = new Map([...weights].filter(([n]) => !n.startsWith('sources.')));
    if (head.size === 0) {
      for (const s of sources) s.dispose();
      throw new UserError('router: the saved router has no head');
    }
    if (config.mode === 'layers') refuseLayers(model, sources);
    return new RouterAdapter(
      sources,
      recipe,
      config.mode,
      HeadCopy.fromTensors(head, uniqueScope('router')),
      config.topK,
    );
  },
});

/** Refuses a base or adapters the per-layer mixture cannot run on (disposing the loaded adapters first). */
function refuseLayers(model: Model, sources: readonly AdapterInstance[]): void {
  try {
    const { modelType, task } = model.config;
    // The answers are mixed at a classifier's head: an architecture declares whether its graph offers one.
    if (task !== 'sequence-classification' || !callsHook(modelType, 'sequenceHead'))
      throw new UserError(
        `router (layers) mixes the adapters' answers at a sequence classifier's head; this ${modelType} is loaded for ${task} and has none`,
      );
    refuseUnmixable(sources);
  } catch (err) {
    for (const s of sources) s.dispose();
    throw err;
  }
}

/** A fresh `layers` router: a gate head with one output per (layer + answer slot, adapter), N(0, 0.02) as a new classifier. */
function createLayers(
  model: Model,
  config: RouterConfig,
  recipe: ComposeSource[],
  own: string[][],
  seed: number,
  numLabels: number | undefined,
): RouterAdapter {
  const union = unionLabels(own);
  if (numLabels !== undefined && numLabels !== 0 && numLabels !== union.length)
    throw new UserError(
      `router (layers): the training data has ${numLabels} labels; its adapters answer ${union.length} (${union.join(', ')})`,
    );
  const sources = loadSources(model, recipe);
  refuseLayers(model, sources);
  const outputs = gateSlots(model) * recipe.length;
  const head = HeadCopy.forLabels(model, outputs, uniqueScope('router'), seed + 7919);
  return new RouterAdapter(sources, recipe, 'layers', head, config.topK);
}
