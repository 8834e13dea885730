/**
 * The `router` method (Adapter Selector). While it trains, its hooks are only its own head on the frozen base, so
 * the model's output is the router's logits over the adapters (one class per adapter, in source order) and the
 * studio's ordinary training loop, evaluation and confusion matrix are those of the routing task. Once saved and
 * loaded it answers the adapters' questions through `forward`: one base pass for the router, then the picked
 * adapter (hard) or every adapter (soft), their probabilities mixed over the union of their labels (mix.ts).
 * The saved folder carries the routed adapters (`sources.<i>.`), so it loads, bundles and imports alone.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeSource } from '../../../src-shared/compose.ts';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import { UserError } from '../../errors.ts';
import type { Model, ModelInputs } from '../../models/base/types.ts';
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
    readonly mode: 'hard' | 'soft',
    readonly head: HeadCopy,
  ) {
    this.weights = new Map(head.weights);
    const own = sourceLabels(recipe);
    this.labels = unionLabels(own);
    this.#placements = own.map((l) => placement(l, this.labels));
  }

  /** The router alone on the frozen base: its logits over the adapters are the model's output. */
  get hooks() {
    return {
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        this.head.apply(name, x) ?? base(x),
    };
  }

  /** Router weights [rows, N] for `inputs` (soft: its softmax; hard: one-hot of its pick). */
  route(model: Model, inputs: ModelInputs): tf.Tensor2D {
    return tf.tidy(() =>
      routeWeights(model.forward(inputs, { hooks: this.hooks }).logits as tf.Tensor2D, this.mode),
    );
  }

  /** Per input, the adapters used and their weights, largest first (the playground shows them). */
  routing(model: Model, inputs: ModelInputs): Routing[] {
    const w = this.route(model, inputs);
    const rows = w.arraySync();
    w.dispose();
    return rows.map((r) =>
      r
        .map((weight, source) => ({ source, weight }))
        .filter((x) => x.weight > 0)
        .sort((a, b) => b.weight - a.weight),
    );
  }

  /** Log-probabilities [rows, labels] over the union of the adapters' labels: the routed answer. */
  forward(model: Model, inputs: ModelInputs): tf.Tensor2D {
    return tf.tidy(() => {
      const w = this.route(model, inputs);
      // Hard routing runs only the adapters some row picked.
      const used = this.mode === 'hard' ? new Set(tf.argMax(w, 1).dataSync()) : null;
      const probs = this.sources.map((s, n) =>
        used && !used.has(n)
          ? null
          : tf.softmax(model.forward(inputs, { hooks: s.hooks }).logits as tf.Tensor2D),
      );
      return mixProbabilities(w, probs, this.#placements);
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
    sourceLabels(recipe); // refuses adapters that answer no labels before anything is built
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
    return new RouterAdapter(sources, recipe, config.mode, HeadCopy.fromTensors(head, uniqueScope('router')));
  },
});
