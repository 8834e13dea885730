/**
 * The task head trained with every method, saved as PEFT's modules_to_save: a trainable copy of the head's
 * linear layers that replaces the frozen head in the forward pass, so the base weights stay bit-identical.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '../../engine/ops/index.ts';
import type { Model } from '../../models/base/types.ts';
import { trainableVar } from './init.ts';
import { UserError } from '../../errors.ts';

export class HeadCopy {
  /** By full weight name, e.g. `classifier.weight` ([in, out] like the model's). */
  readonly weights = new Map<string, tf.Variable>();
  readonly modules = new Set<string>();

  /** Copies the model's current head (its `headModules` plus sub-modules such as classifier.dense). */
  static fromModel(model: Model, scope: string): HeadCopy {
    const head = new HeadCopy();
    for (const name of model.params.names()) {
      const module = name.replace(/\.(weight|bias)$/, '');
      if (!model.config.headModules.some((h) => module === h || module.startsWith(`${h}.`))) continue;
      head.modules.add(module);
      head.weights.set(name, trainableVar(model.params.get(name).clone(), `${scope}head/${name}`));
    }
    return head;
  }

  /**
   * A head for a dataset with `numLabels` classes: the model's head copied, except its output layer (the head
   * linear whose width is the model's label count) when the count differs, which starts fresh (seeded).
   */
  /**
   * The head a fresh adapter trains: the model's own, or a new output layer for the dataset's classes
   * (`opts.numLabels`), drawn from a seed apart from the adapter's own draws so the two never share a stream.
   */
  static forAdapter(
    model: Model,
    opts: { numLabels?: number } | undefined,
    scope: string,
    seed: number,
  ): HeadCopy {
    return HeadCopy.forLabels(model, opts?.numLabels ?? 0, scope, seed + 7919);
  }

  static forLabels(model: Model, numLabels: number, scope: string, seed: number): HeadCopy {
    const head = HeadCopy.fromModel(model, scope);
    const current = model.config.labels.length;
    if (numLabels === current || numLabels === 0) return head;
    const out = [...head.modules].find((m) => head.weights.get(`${m}.weight`)?.shape[1] === current);
    if (!out) throw new UserError(`cannot find the output layer of this ${model.config.modelType} head`);
    const w = head.weights.get(`${out}.weight`) as tf.Variable;
    const inFeatures = w.shape[0] as number;
    head.weights.get(`${out}.weight`)?.dispose();
    head.weights.get(`${out}.bias`)?.dispose();
    // transformers' default init for a new classifier: N(0, 0.02), zero bias.
    head.weights.set(
      `${out}.weight`,
      trainableVar(
        tf.randomNormal([inFeatures, numLabels], 0, 0.02, 'float32', seed),
        `${scope}head/${out}.weight`,
      ),
    );
    head.weights.set(`${out}.bias`, trainableVar(tf.zeros([numLabels]), `${scope}head/${out}.bias`));
    return head;
  }

  /** A head from saved tensors (already in the model's [in, out] layout). */
  static fromTensors(tensors: ReadonlyMap<string, tf.Tensor>, scope: string): HeadCopy {
    const head = new HeadCopy();
    for (const [name, t] of tensors) {
      head.modules.add(name.replace(/\.(weight|bias)$/, ''));
      head.weights.set(name, trainableVar(t.clone(), `${scope}head/${name}`));
    }
    return head;
  }

  /** The head's output when `module` is part of it, else undefined. */
  apply(module: string, x: tf.Tensor2D): tf.Tensor2D | undefined {
    if (!this.modules.has(module)) return undefined;
    const w = this.weights.get(`${module}.weight`);
    if (!w) return undefined;
    const b = this.weights.get(`${module}.bias`);
    return linear(x, w, b);
  }

  dispose(): void {
    for (const w of this.weights.values()) w.dispose();
    this.weights.clear();
  }
}
