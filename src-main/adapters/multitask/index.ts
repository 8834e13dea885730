/**
 * The `multitask` method: one adapter answering several tasks, each with its own head. `task` picks which task the
 * hooks answer (training switches it per sub-batch, predict and the playground per request). Variants:
 * - shared: one bottleneck adapter after every FFN, used by all tasks;
 * - shared-specific (VMT-Adapter style): that plus a small bottleneck per task beside it, so a task can keep what
 *   the others would overwrite;
 * - affinity: the shared adapter plus a learned task embedding that gates every layer's attention output
 *   (layers.ts: attentionGate), so tasks with close embeddings share and unrelated ones do not;
 * - full: every base weight trains (the multi-task fine-tuning baseline), heads per task.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfigOf } from '../../../src-shared/methods.ts';
import { UserError } from '../../errors.ts';
import { callsHook } from '../../models/architectures.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';
import type { Model } from '../../models/base/types.ts';
import { HeadCopy } from '../base/head.ts';
import { normal, trainableVar, uniqueScope } from '../base/init.ts';
import { registerMethod } from '../base/registry.ts';
import type { AdapterInstance, TaskLabels } from '../base/types.ts';
import { bottleneckForward } from '../bottleneck/layer.ts';
import type { BottleneckModule } from '../bottleneck/layer.ts';
import { attentionGate, EMBEDDING_NAME, gateName, initModule, moduleNames } from './layers.ts';
import type { Part } from './layers.ts';
import type { MultiTaskVariant } from './schema.ts';

type MultiTaskConfig = MethodConfigOf<'multitask'>;

const headPrefix = (t: number) => `task.${t}.head.`;

export class MultiTaskAdapter implements AdapterInstance {
  readonly method = 'multitask' as const;
  readonly merged = false;
  readonly weights = new Map<string, tf.Variable>();
  /** The task the hooks answer: its head, its own adapter, its attention gate. */
  task = 0;

  constructor(
    private readonly model: Model,
    readonly variant: MultiTaskVariant,
    readonly tasks: readonly TaskLabels[],
    /** By `${part}/${layer}`: the shared modules and each task's own (shared-specific). */
    readonly modules: Map<string, BottleneckModule>,
    readonly affinity: { embedding: tf.Variable; gates: Map<number, tf.Variable> } | null,
    readonly heads: HeadCopy[],
    readonly baseTrainable: readonly string[],
  ) {
    for (const [key, m] of modules) {
      const [part, layer] = key.split('/') as [Part, string];
      const n = moduleNames(part, Number(layer), 'ffn');
      this.weights.set(n.down, m.down).set(n.downBias, m.downBias).set(n.up, m.up).set(n.upBias, m.upBias);
    }
    if (affinity) {
      this.weights.set(EMBEDDING_NAME, affinity.embedding);
      for (const [layer, g] of affinity.gates) this.weights.set(gateName(layer), g);
    }
    for (const [t, head] of heads.entries())
      for (const [name, w] of head.weights) this.weights.set(`${headPrefix(t)}${name}`, w);
    // Full multi-task fine-tuning: the shared body trains (the heads are per task, above).
    if (baseTrainable.length > 0) model.params.setTrainable(() => true);
  }

  /** The index of a task by name; a name this run does not have is the user's mistake. */
  taskIndex(name: string): number {
    const i = this.tasks.findIndex((t) => t.name === name);
    if (i < 0)
      throw new UserError(
        `this multi-task adapter has no task "${name}" (it has ${this.tasks.map((t) => t.name).join(', ')})`,
      );
    return i;
  }

  get hooks(): ForwardHooks {
    return this.hooksFor(this.task);
  }

  hooksFor(t: number): ForwardHooks {
    const head = this.heads[t];
    if (!head) throw new UserError(`task ${t} does not exist (the adapter has ${this.tasks.length})`);
    return {
      sublayerOutput: (layer: number, kind: 'attention' | 'ffn', out: tf.Tensor2D) => {
        if (kind === 'attention') {
          const gate = this.affinity?.gates.get(layer);
          if (!gate || !this.affinity) return out;
          return out.mul(
            attentionGate(this.affinity.embedding as tf.Tensor2D, gate as tf.Tensor2D, t),
          ) as tf.Tensor2D;
        }
        // Parallel branches on the FFN's output (VMT-Adapter): shared + this task's own.
        let y = out;
        const shared = this.modules.get(`shared/${layer}`);
        if (shared) y = y.add(bottleneckForward(shared, out, 'relu')) as tf.Tensor2D;
        const own = this.modules.get(`task.${t}/${layer}`);
        if (own) y = y.add(bottleneckForward(own, out, 'relu')) as tf.Tensor2D;
        return y;
      },
      linear: (name: string, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D) =>
        head.apply(name, x) ?? base(x),
    };
  }

  savedConfig(config: Record<string, unknown>): Record<string, unknown> {
    // The folder stands alone: the tasks' names and labels, not the dataset files it was trained from.
    const { tasks: _tasks, labels: _labels, ...rest } = config;
    return { ...rest, labels: this.tasks[0]?.labels, taskHeads: this.tasks };
  }

  dispose(): void {
    for (const w of this.weights.values()) w.dispose();
    this.weights.clear();
    if (this.baseTrainable.length > 0) this.model.params.setTrainable(() => false);
  }
}

function checkModel(model: Model): void {
  // A head per task is a copy of the base's classification head (GPT-2 here is a language model only).
  if (
    !callsHook(model.config.modelType, 'sublayerOutput') ||
    model.config.task !== 'sequence-classification' ||
    model.config.headModules.length === 0
  )
    throw new UserError(
      `multi-task runs need a transformer that classifies; this ${model.config.modelType} model has no classification head`,
    );
}

/** The base's weights a full multi-task run trains: all but its head (each task has its own). */
function bodyWeights(model: Model): string[] {
  return model.params
    .names()
    .filter((n) => !model.config.headModules.some((h) => n === h || n.startsWith(`${h}.`)));
}

/** Which modules a variant has: the shared one per layer, and each task's own for shared-specific. */
function parts(variant: MultiTaskVariant, tasks: number): Part[] {
  if (variant === 'full') return [];
  const own = Array.from({ length: tasks }, (_, t) => `task.${t}` as Part);
  return variant === 'shared-specific' ? ['shared', ...own] : ['shared'];
}

function tasksOf(config: MultiTaskConfig, given?: readonly TaskLabels[]): TaskLabels[] {
  const tasks = given ?? config.taskHeads;
  if (!tasks || tasks.length < 2)
    throw new UserError('multitask: a run needs two or more classification tasks, each with its labels');
  if (new Set(tasks.map((t) => t.name)).size !== tasks.length)
    throw new UserError(`multitask: task names must differ (${tasks.map((t) => t.name).join(', ')})`);
  return tasks.map((t) => ({ name: t.name, labels: [...t.labels] }));
}

export const multitaskMethod = registerMethod({
  type: 'multitask',
  create(model, config, seed, opts) {
    checkModel(model);
    const tasks = tasksOf(config, opts?.tasks);
    const scope = uniqueScope('multitask');
    const H = model.config.hiddenSize;
    const modules = new Map<string, BottleneckModule>();
    let s = seed;
    for (const part of parts(config.variant, tasks.length)) {
      const factor = part === 'shared' ? config.reductionFactor : config.specificReductionFactor;
      const size = Math.max(1, Math.floor(H / factor));
      for (let layer = 0; layer < model.config.numLayers; layer++)
        modules.set(`${part}/${layer}`, initModule(H, size, s++, `${scope}${part}.${layer}.`));
    }
    let affinity: MultiTaskAdapter['affinity'] = null;
    if (config.variant === 'affinity') {
      const k = config.taskEmbedding;
      affinity = {
        embedding: trainableVar(normal([tasks.length, k], 1, s++), `${scope}${EMBEDDING_NAME}`),
        gates: new Map(
          Array.from({ length: model.config.numLayers }, (_, l) => [
            l,
            trainableVar(tf.zeros([k, H]), `${scope}${gateName(l)}`),
          ]),
        ),
      };
    }
    const heads = tasks.map((t, i) =>
      HeadCopy.forLabels(model, t.labels.length, `${scope}task${i}/`, seed + 7919 * (i + 1)),
    );
    const body = config.variant === 'full' ? bodyWeights(model) : [];
    return new MultiTaskAdapter(model, config.variant, tasks, modules, affinity, heads, body);
  },
  fromWeights(model, config, weights) {
    checkModel(model);
    const tasks = tasksOf(config);
    const scope = uniqueScope('multitask');
    const made: tf.Variable[] = [];
    const get = (n: string) => {
      const t = weights.get(n);
      if (!t) throw new UserError(`multitask: the saved adapter is missing ${n}`);
      const v = trainableVar(t.clone(), `${scope}${n}`);
      made.push(v);
      return v;
    };
    try {
      const modules = new Map<string, BottleneckModule>();
      for (const part of parts(config.variant, tasks.length))
        for (let layer = 0; layer < model.config.numLayers; layer++) {
          const n = moduleNames(part, layer, 'ffn');
          modules.set(`${part}/${layer}`, {
            down: get(n.down),
            downBias: get(n.downBias),
            up: get(n.up),
            upBias: get(n.upBias),
          });
        }
      const affinity =
        config.variant === 'affinity'
          ? {
              embedding: get(EMBEDDING_NAME),
              gates: new Map(
                Array.from({ length: model.config.numLayers }, (_, l) => [l, get(gateName(l))] as const),
              ),
            }
          : null;
      const heads = tasks.map((_, t) => {
        const own = new Map<string, tf.Tensor>();
        for (const [n, v] of weights)
          if (n.startsWith(headPrefix(t))) own.set(n.slice(headPrefix(t).length), v);
        if (own.size === 0) throw new UserError(`multitask: the saved adapter has no head for task ${t}`);
        return HeadCopy.fromTensors(own, `${scope}task${t}/`);
      });
      const body = config.variant === 'full' ? bodyWeights(model) : [];
      for (const name of body) {
        const t = weights.get(name);
        if (!t) throw new UserError(`multitask: the saved full fine-tune is missing ${name}`);
        const v = model.params.get(name);
        tf.tidy(() => v.assign(t));
      }
      return new MultiTaskAdapter(model, config.variant, tasks, modules, affinity, heads, body);
    } catch (err) {
      tf.dispose(made);
      throw err;
    }
  },
});
