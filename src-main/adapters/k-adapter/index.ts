/**
 * The `k-adapter` method. Without `knowledge`: one knowledge adapter (layer.ts) beside the frozen encoder and a
 * head over [encoder's final hidden state; adapter's feature] at the first token, both trained on a source task.
 * With `knowledge`: trained K-Adapters loaded frozen (their heads unused), and only a new head over
 * [encoder; LN(learned part 1); LN(learned part 2); ...] trains on the target task (see `combinedInput`). The saved
 * combination carries its knowledge adapters' weights (`sources.<i>.`) and configs, as AdapterFusion does, so it
 * loads without their folders.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeSource } from '../../../src-shared/compose.ts';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import { layerNorm, linear } from '../../engine/ops/index.ts';
import { UserError } from '../../errors.ts';
import { callsHook } from '../../models/architectures.ts';
import { firstToken } from '../../models/base/encoder-layer.ts';
import type { Model } from '../../models/base/types.ts';
import { normal, trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';
import {
  describeSourceFolder,
  loadSources,
  savedSource,
  sourcePrefix,
  sourceWeights,
} from '../compose/sources.ts';
import { adapterLayer, initKnowledge, knowledgeParamShapes } from './layer.ts';
import type { KnowledgeShape } from './layer.ts';

type KConfig = MethodConfigOf<'k-adapter'>;
const HEAD = { dense: 'k_adapter.head.dense', out: 'k_adapter.head.out_proj' } as const;
/** The combination head's layer norm of knowledge adapter i's learned part (absent in combinations saved before). */
const headNorm = (i: number) => `k_adapter.head.norm.${i}`;
const NORM_EPS = 1e-5;

/** What one knowledge adapter hands the head: its last layer's output and the part of it the adapter computed. */
interface Feature {
  /** The last adapter layer's output: the encoder's hidden states it read, summed, plus `learned`. */
  output: tf.Tensor2D;
  /** The sum of the adapter layers' up-projections: the output minus the hidden states read. */
  learned: tf.Tensor2D;
}

/** One knowledge adapter's weights and its state within a forward pass (the running adapter-layer output). */
class Knowledge {
  #next = 0;
  #running: tf.Tensor2D | null = null;
  #learned: tf.Tensor2D | null = null;

  constructor(
    readonly shape: KnowledgeShape,
    readonly weights: ReadonlyMap<string, tf.Variable>,
  ) {}

  /** Reads the encoder's output of `layer`; the first read layer starts a new pass. */
  tap(layer: number, h: tf.Tensor2D, mask: tf.Tensor2D, batch: number, seq: number): void {
    if (layer === this.shape.layers[0]) {
      this.#next = 0;
      this.#running = null;
      this.#learned = null;
    }
    if (this.shape.layers[this.#next] !== layer) return;
    const { out, up } = adapterLayer(
      this.weights,
      this.shape,
      this.#next,
      h,
      this.#running,
      mask,
      batch,
      seq,
    );
    this.#running = out;
    // Summed apart from the skip path, so the learned part is exact rather than a difference of large numbers.
    this.#learned = this.#learned ? (this.#learned.add(up) as tf.Tensor2D) : up;
    this.#next++;
  }

  /** This pass's feature, rows [batch * seq, hidden]; the state is cleared (its tensors belong to the pass). */
  take(): Feature {
    const output = this.#running;
    const learned = this.#learned;
    const complete = this.#next === this.shape.layers.length;
    this.#running = null;
    this.#learned = null;
    this.#next = 0;
    if (!output || !learned || !complete)
      throw new Error('k-adapter: the encoder did not pass every layer the adapter reads');
    return { output, learned };
  }
}

class KAdapter implements AdapterInstance {
  readonly method = 'k-adapter' as const;
  readonly baseTrainable: readonly string[] = [];
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    /** The knowledge adapters the head reads: this run's own, or the frozen ones it combines. */
    readonly knowledge: Knowledge[],
    readonly head: ReadonlyMap<string, tf.Variable>,
    /** Frozen K-Adapters combined (their own heads unused); empty when this run trains its own adapter. */
    readonly sources: KAdapter[] = [],
    readonly recipe: ComposeSource[] = [],
    /**
     * What the head reads of each adapter: `output` for a source-task run (the adapter and its head train together)
     * and for combinations saved before the head had norms; `learned`, layer-normalised, for a combination.
     */
    readonly reads: 'output' | 'learned' = 'output',
  ) {
    if (sources.length === 0)
      for (const k of knowledge) for (const [n, v] of k.weights) this.weights.set(n, v);
    for (const [n, v] of head) this.weights.set(n, v);
  }

  get hooks() {
    return {
      layerOutput: (layer: number, h: tf.Tensor2D, mask: tf.Tensor2D, batch: number, seq: number) => {
        for (const k of this.knowledge) k.tap(layer, h, mask, batch, seq);
        return h;
      },
      sequenceHead: (last: tf.Tensor3D) => {
        const [batch, seq, hidden] = last.shape;
        const get = (n: string) => this.head.get(n) as tf.Variable;
        const first = (t: tf.Tensor2D) => firstToken(t.reshape([batch, seq, hidden]) as tf.Tensor3D);
        const features = this.knowledge.map((k, i) => {
          const { output, learned } = k.take();
          if (this.reads === 'output') return first(output);
          const n = headNorm(i);
          return layerNorm(first(learned), get(`${n}.weight`), get(`${n}.bias`), NORM_EPS) as tf.Tensor2D;
        });
        const x = tf.concat([firstToken(last), ...features], 1) as tf.Tensor2D;
        const d = tf.tanh(linear(x, get(`${HEAD.dense}.weight`), get(`${HEAD.dense}.bias`))) as tf.Tensor2D;
        return linear(d, get(`${HEAD.out}.weight`), get(`${HEAD.out}.bias`)) as tf.Tensor2D;
      },
    };
  }

  async exportWeights(): Promise<Map<string, tf.Tensor>> {
    const out = this.sources.length ? await sourceWeights(this.sources) : new Map<string, tf.Tensor>();
    for (const [n, v] of this.weights) out.set(n, v.clone());
    return out;
  }

  savedConfig(config: Record<string, unknown>): Record<string, unknown> {
    if (this.sources.length === 0) return config;
    const { knowledge: _knowledge, ...rest } = config;
    return { ...rest, sources: this.recipe.map(savedSource) };
  }

  dispose(): void {
    if (this.sources.length) for (const s of this.sources) s.dispose();
    else for (const k of this.knowledge) tf.dispose([...k.weights.values()]);
    tf.dispose([...this.head.values()]);
  }
}

/** The encoder facts K-Adapter needs, or a one-line reason it cannot attach. */
function encoderOf(model: Model): { hidden: number; numLayers: number; labels: number } {
  const c = model.config;
  if (!callsHook(c.modelType, 'layerOutput') || !callsHook(c.modelType, 'sequenceHead'))
    throw new UserError(
      `k-adapter needs an encoder classifier (BERT, DistilBERT, RoBERTa); this is a ${c.modelType}`,
    );
  if (c.task !== 'sequence-classification')
    throw new UserError(
      `k-adapter trains a sequence classifier; this ${c.modelType} is loaded for ${c.task}`,
    );
  return { hidden: c.hiddenSize, numLayers: c.numLayers, labels: c.labels.length };
}

/** The adapter's shape from its config, checked against the encoder. */
function shapeOf(config: KConfig, hidden: number, numLayers: number): KnowledgeShape {
  const layers = config.layers ?? [...new Set([0, Math.floor((numLayers - 1) / 2), numLayers - 1])];
  for (const [i, l] of layers.entries()) {
    if (l >= numLayers)
      throw new UserError(`k-adapter: layer ${l} does not exist (the encoder has ${numLayers})`);
    if (i > 0 && l <= (layers[i - 1] as number))
      throw new UserError(
        `k-adapter: list the layers read in increasing order, each once (got ${layers.join(', ')})`,
      );
  }
  if (config.adapterSize % config.heads !== 0)
    throw new UserError(
      `k-adapter: adapter width ${config.adapterSize} is not divisible by ${config.heads} heads`,
    );
  return { hidden, layers, width: config.adapterSize, blocks: config.transformerLayers, heads: config.heads };
}

function newHead(
  inFeatures: number,
  hidden: number,
  labels: number,
  seed: number,
  scope: string,
): Map<string, tf.Variable> {
  const v = (name: string, t: tf.Tensor) => [name, trainableVar(t, `${scope}${name}`)] as const;
  return new Map([
    v(`${HEAD.dense}.weight`, normal([inFeatures, hidden], 0.02, seed)),
    v(`${HEAD.dense}.bias`, tf.zeros([hidden])),
    v(`${HEAD.out}.weight`, normal([hidden, labels], 0.02, seed + 1)),
    v(`${HEAD.out}.bias`, tf.zeros([labels])),
  ]);
}

/**
 * A combination head's layer norms, one per knowledge adapter (scale 1/count, shift 0). Why the head reads each
 * adapter's learned part, normalised, and not its output: an adapter layer adds its input (the encoder's hidden
 * state plus the previous adapter layer's output) to its up-projection, so an adapter's output is mostly the sum of
 * the encoder's hidden states it read, the same for every adapter (cosine 0.98 between two adapters, norm 33 against
 * the encoder's 12.9: test/bench/k-adapter-scale.ts). Concatenated, that large vector entered the head once per
 * adapter and drowned the small parts that differ, and each adapter added made the head's input wider and larger,
 * so its steps larger: with both adapters the target head learned slower than with either (docs/MODALITIES.md). The
 * learned part is what the adapter knows beyond the encoder, whose final hidden state the head reads anyway, and
 * normalising it gives every block the same scale whatever the adapter's; the paper's code likewise does not feed
 * the raw outputs side by side (a dense layer per adapter over [encoder; adapter] first). The scale starts at
 * 1/count because AdamW moves every weight by about the learning rate per step whatever its gradient's size, so a
 * dense layer's pre-activations move by about lr times its input's L1 norm: so scaled, the adapters' part of the
 * head's input has one adapter's L1 norm however many are combined, and the head's first steps are no larger with
 * two adapters than with one. Scale and shift train, so the head can weigh each adapter, down to ignoring one.
 */
function combinedNorms(count: number, hidden: number, scope: string): [string, tf.Variable][] {
  const scale = 1 / count;
  return Array.from({ length: count }, (_, i) => [
    [`${headNorm(i)}.weight`, trainableVar(tf.fill([hidden], scale), `${scope}${headNorm(i)}.weight`)] as [
      string,
      tf.Variable,
    ],
    [`${headNorm(i)}.bias`, trainableVar(tf.zeros([hidden]), `${scope}${headNorm(i)}.bias`)] as [
      string,
      tf.Variable,
    ],
  ]).flat();
}

/** The knowledge adapters to combine, from the config's folders or, once saved, its recorded sources. */
function recipeOf(config: KConfig): ComposeSource[] | null {
  if (config.sources) return config.sources;
  if (!config.knowledge) return null;
  return config.knowledge.map((dir) => {
    if (typeof dir === 'number')
      throw new UserError(
        `k-adapter: adapter ${dir}: run ids are resolved in a project; give the adapter's folder`,
      );
    return {
      ...describeSourceFolder(dir),
      name: path.basename(path.dirname(dir)),
      dir,
    };
  });
}

/** Loads the sources, each a single knowledge adapter on this encoder. */
function loadKnowledge(
  model: Model,
  recipe: ComposeSource[],
  saved?: ReadonlyMap<string, tf.Tensor>,
): KAdapter[] {
  for (const [i, s] of recipe.entries())
    if (s.method !== 'k-adapter' || s.config.knowledge || s.config.sources)
      throw new UserError(
        `k-adapter: source ${i} (${s.name ?? s.method}) is not a trained knowledge adapter (a k-adapter run without knowledge adapters of its own)`,
      );
  return loadSources(model, recipe, saved) as KAdapter[];
}

/** The saved head as variables, with `norms` knowledge adapters' layer norms (0: a head without norms). */
const scopedHead = (weights: ReadonlyMap<string, tf.Tensor>, scope: string, norms = 0) => {
  const head = new Map<string, tf.Variable>();
  const names = [HEAD.dense, HEAD.out, ...Array.from({ length: norms }, (_, i) => headNorm(i))];
  try {
    for (const n of names)
      for (const part of ['weight', 'bias']) {
        const t = weights.get(`${n}.${part}`);
        if (!t) throw new UserError(`k-adapter: the saved adapter is missing ${n}.${part}`);
        head.set(`${n}.${part}`, trainableVar(t.clone(), `${scope}${n}.${part}`));
      }
  } catch (err) {
    tf.dispose([...head.values()]);
    throw err;
  }
  return head;
};

export const kAdapterMethod = registerMethod({
  type: 'k-adapter',
  create(model, config, seed, opts) {
    const enc = encoderOf(model);
    const labels = opts?.numLabels || enc.labels;
    const scope = uniqueScope('k-adapter');
    const recipe = recipeOf(config);
    if (recipe) {
      const sources = loadKnowledge(model, recipe);
      const knowledge = sources.map((s) => s.knowledge[0] as Knowledge);
      const head = newHead(enc.hidden * (1 + knowledge.length), enc.hidden, labels, seed, scope);
      for (const [n, v] of combinedNorms(knowledge.length, enc.hidden, scope)) head.set(n, v);
      return new KAdapter(knowledge, head, sources, recipe, 'learned');
    }
    const shape = shapeOf(config, enc.hidden, enc.numLayers);
    const knowledge = new Knowledge(shape, initKnowledge(shape, seed, scope));
    return new KAdapter([knowledge], newHead(2 * enc.hidden, enc.hidden, labels, seed + 7919, scope));
  },
  fromWeights(model, config, weights) {
    const enc = encoderOf(model);
    const scope = uniqueScope('k-adapter');
    const recipe = recipeOf(config);
    if (recipe) {
      const saved = [...weights.keys()].some((n) => n.startsWith(sourcePrefix(0)));
      const sources = loadKnowledge(model, recipe, saved ? weights : undefined);
      // Combinations saved before the head had norms read the adapters' outputs; they load and answer as before.
      const normed = weights.has(`${headNorm(0)}.weight`);
      try {
        return new KAdapter(
          sources.map((s) => s.knowledge[0] as Knowledge),
          scopedHead(weights, scope, normed ? sources.length : 0),
          sources,
          recipe,
          normed ? 'learned' : 'output',
        );
      } catch (err) {
        for (const s of sources) s.dispose();
        throw err;
      }
    }
    const shape = shapeOf(config, enc.hidden, enc.numLayers);
    const own = new Map<string, tf.Variable>();
    for (const [name, { shape: dims }] of knowledgeParamShapes(shape)) {
      const t = weights.get(name);
      if (!t || t.shape.join() !== dims.join()) {
        tf.dispose([...own.values()]);
        throw new UserError(
          `k-adapter: ${t ? `${name} has shape [${t.shape.join(', ')}], this encoder needs [${dims.join(', ')}]` : `the saved adapter is missing ${name}`}`,
        );
      }
      own.set(name, trainableVar(t.clone(), `${scope}${name}`));
    }
    return new KAdapter([new Knowledge(shape, own)], scopedHead(weights, scope));
  },
});
