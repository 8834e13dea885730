/**
 * The task head trained with every method, saved as PEFT's modules_to_save: a trainable copy of the head's
 * linear layers that replaces the frozen head in the forward pass, so the base weights stay bit-identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/base/types.ts';
import { trainableVar } from './init.ts';

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
    const y = tf.matMul(x, w as tf.Tensor2D);
    return (b ? y.add(b) : y) as tf.Tensor2D;
  }

  dispose(): void {
    for (const w of this.weights.values()) w.dispose();
    this.weights.clear();
  }
}
