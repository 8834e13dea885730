/**
 * The shared base of the additive low-rank methods (LoRA, DoRA, VeRA): every target keeps its frozen layer and
 * adds a trained branch, `base(x) + delta(x)`. What they have in common lives here once — the weights by save
 * name, the task head, the forward hooks (PEFT's dropout on the branch's input, while training only), the checked
 * additive merge, reading saved weights back per module, and dispose — so a method writes only its branch, its
 * merge and its tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvInfo, ForwardHooks, LinearInfo } from '../../models/base/hooks.ts';
import type { Model } from '../../models/base/types.ts';
import { UserError } from '../../errors.ts';
import type { HeadCopy } from './head.ts';

export abstract class LowRankAdapter<M> {
  readonly baseTrainable: readonly string[] = [];
  readonly weights = new Map<string, tf.Variable>();

  constructor(
    protected readonly model: Model,
    readonly modules: ReadonlyMap<string, M>,
    readonly head: HeadCopy,
    /** PEFT's dropout on the branch's input (0: none). */
    private readonly dropout: number,
    /** A module's trained variables by the suffix of their save name, `<module>.<suffix>` (e.g. `lora_A`). */
    variables: (m: M) => Record<string, tf.Variable>,
  ) {
    for (const [module, m] of modules)
      for (const [suffix, v] of Object.entries(variables(m))) this.weights.set(`${module}.${suffix}`, v);
    for (const [name, w] of head.weights) this.weights.set(name, w);
  }

  abstract get merged(): boolean;
  abstract merge(): Promise<void>;
  abstract unmerge(): void;
  /** What the branch adds to a linear target's output for input x (already through the branch's dropout). */
  protected abstract linearDelta(m: M, x: tf.Tensor2D): tf.Tensor2D;
  /**
   * The frozen path's output `y` plus the branch's for input x. A method whose branch ends in a product overrides
   * it to add y in that product's epilogue (one dispatch fewer on webgpu: LoRA).
   */
  protected addLinearDelta(m: M, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return y.add(this.linearDelta(m, x));
  }
  /** What the branch adds to a Conv2d target's output; only methods that adapt convolutions define it. */
  protected convDelta?(m: M, x: tf.Tensor4D, info: ConvInfo): tf.Tensor4D;
  /** Every tensor a module owns, for dispose. */
  protected abstract tensorsOf(m: M): tf.Tensor[];

  get hooks(): ForwardHooks {
    const linear = (
      name: string,
      x: tf.Tensor2D,
      base: (x: tf.Tensor2D) => tf.Tensor2D,
      info?: LinearInfo,
    ) => {
      const fromHead = this.head.apply(name, x);
      if (fromHead) return fromHead;
      const m = this.modules.get(name);
      if (!m || this.merged) return base(x);
      // The dropout touches the branch's input only, and info.dropout is the identity in evaluation: the frozen
      // path and inference are unchanged.
      const xd = this.dropout > 0 && info?.dropout ? info.dropout(x, this.dropout) : x;
      return this.addLinearDelta(m, xd, base(x));
    };
    const convDelta = this.convDelta?.bind(this);
    if (!convDelta) return { linear };
    const conv2d = (name: string, x: tf.Tensor4D, base: (x: tf.Tensor4D) => tf.Tensor4D, info: ConvInfo) => {
      const m = this.modules.get(name);
      if (!m || this.merged) return base(x);
      return base(x).add(convDelta(m, x, info)) as tf.Tensor4D;
    };
    return { linear, conv2d };
  }

  dispose(): void {
    if (this.merged) this.unmerge();
    for (const m of this.modules.values()) tf.dispose(this.tensorsOf(m));
    this.head.dispose();
  }
}

/** One update of a base weight, in the weight's own layout. */
export interface WeightDelta {
  name: string;
  delta: tf.Tensor;
}

/** A low-rank method whose merge adds its update to each weight (LoRA, VeRA): W' = W + ΔW. */
export abstract class AdditiveLowRankAdapter<M> extends LowRankAdapter<M> {
  #merged = false;
  /** The method's name in messages (e.g. `LoRA`). */
  protected abstract readonly label: string;
  /** The update of every adapted weight; the caller disposes them. */
  protected abstract weightDeltas(): WeightDelta[];

  get merged(): boolean {
    return this.#merged;
  }

  /** Safe merge: every update is checked (read back asynchronously, fine on GPUs) before any weight changes. */
  async merge(): Promise<void> {
    if (this.#merged) throw new Error(`this ${this.label} adapter is already merged`);
    const deltas = this.weightDeltas();
    for (const d of deltas) {
      const finite = tf.tidy(() => tf.all(tf.isFinite(d.delta)));
      const ok = (await finite.data())[0];
      finite.dispose();
      if (!ok) {
        tf.dispose(deltas.map((x) => x.delta));
        throw new UserError(
          `refusing to merge: the ${this.label} update for ${d.name} has NaN or Inf values`,
        );
      }
    }
    this.#add(deltas, 1);
    this.#merged = true;
  }

  unmerge(): void {
    if (!this.#merged) throw new Error(`this ${this.label} adapter is not merged`);
    this.#add(this.weightDeltas(), -1);
    this.#merged = false;
  }

  #add(deltas: WeightDelta[], sign: 1 | -1): void {
    for (const d of deltas) {
      const w = this.model.params.get(d.name);
      // Times ±1 is exact: unmerge subtracts the very update merge added.
      tf.tidy(() => w.assign(w.add(d.delta.mul(sign))));
      d.delta.dispose();
    }
  }
}

/**
 * Saved weights grouped per module: each module is found by its `key` tensor (`<module>.<key>`), and must have
 * every companion (`<module>.<companion>`); what is neither, nor `skip`ped, is the task head's. A missing
 * companion means the folder is incomplete: the user's to fix, named in one line.
 */
export function weightsByModule(
  weights: ReadonlyMap<string, tf.Tensor>,
  key: string,
  companions: readonly string[],
  skip: (name: string) => boolean = () => false,
): { modules: Map<string, Record<string, tf.Tensor>>; head: Map<string, tf.Tensor> } {
  const modules = new Map<string, Record<string, tf.Tensor>>();
  const head = new Map<string, tf.Tensor>();
  for (const [name, t] of weights) {
    if (skip(name) || companions.some((c) => name.endsWith(`.${c}`))) continue;
    if (!name.endsWith(`.${key}`)) {
      head.set(name, t);
      continue;
    }
    const module = name.slice(0, -(key.length + 1));
    const group: Record<string, tf.Tensor> = { [key]: t };
    for (const c of companions) {
      const other = weights.get(`${module}.${c}`);
      if (!other) throw new UserError(`adapter has ${name} but no ${module}.${c}`);
      group[c] = other;
    }
    modules.set(module, group);
  }
  return { modules, head };
}

/** A saved module the model does not have: the adapter was trained on another architecture. */
export const notInModel = (model: Model, module: string): UserError =>
  new UserError(`adapter targets ${module}, which this ${model.config.modelType} model does not have`);
