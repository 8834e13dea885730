/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over named tf.Variables. Written here rather than taken from
 * tf.train because a checkpoint must hold the moment estimates by name, and tf.train's optimizers neither decay
 * weights decoupled nor expose their state in a form we can save and restore exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFloats } from '../engine/read-back.ts';
import { gpuAdamWWeight, gpuMoments } from '../engine/webgpu/adamw-update.ts';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** Names that never decay (biases, norms): PEFT/transformers' usual practice. */
  noDecay?: (name: string) => boolean;
}

export const defaultNoDecay = (name: string): boolean =>
  /(^|\.)(bias|b)$|norm|LayerNorm|layernorm|ln_/i.test(name);

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly #noDecay: (name: string) => boolean;
  #step = 0;
  /**
   * Each weight's two moment estimates in one variable, [2, ...shape]: the first moment, then the second. On webgpu
   * one kernel updates both (a kernel writes one tensor), two dispatches per weight with the weight's own.
   */
  readonly #mv = new Map<string, tf.Variable>();

  constructor(opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.#noDecay = opts.noDecay ?? defaultNoDecay;
  }

  get step(): number {
    return this.#step;
  }

  /** Applies one update with learning rate `lr`. Gradients are not disposed (the caller owns them). */
  apply(params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const s = this.nextStep(lr);
    tf.tidy(() => this.update(params, grads, tf.tensor1d(s)));
  }

  /**
   * Advances the step count and returns this step's scalars [lr, 1 - β1^t, 1 - β2^t] for {@link update}. Split
   * from it so a captured GPU step (engine/webgpu/step-capture.ts) can take them as an input it rewrites.
   */
  nextStep(lr: number): [number, number, number] {
    this.#step += 1;
    const t = this.#step;
    return [lr, 1 - this.beta1 ** t, 1 - this.beta2 ** t];
  }

  /**
   * One update from `scalars` = nextStep(lr) as a float32 [3] tensor; tensor ops only, nothing read back. With a
   * `gate` (float32 [1], 1 or 0) the update applies only where it is 1: a device-side step whose loss turned out
   * not finite leaves weights and moments as they were.
   */
  update(
    params: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    scalars: tf.Tensor1D,
    gate?: tf.Tensor,
  ): void {
    if (tf.getBackend() === 'webgpu') {
      this.#updateOnGpu(params, grads, scalars, gate);
      return;
    }
    tf.tidy(() => {
      const [lr, c1, c2] = tf.split(scalars, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const apply = gate ? gate.greater(0.5) : null;
      const keep = (old: tf.Tensor, updated: tf.Tensor) => (apply ? tf.where(apply, updated, old) : updated);
      for (const { name, p, g, mv } of this.#withSlots(params, grads)) {
        tf.tidy(() => {
          const [m, v] = tf.unstack(mv) as [tf.Tensor, tf.Tensor];
          const mNew = keep(m, m.mul(this.beta1).add(g.mul(1 - this.beta1)));
          const vNew = keep(v, v.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
          mv.assign(tf.stack([mNew, vNew]));
          const update = mNew.div(c1).div(vNew.div(c2).sqrt().add(this.epsilon));
          const wd = this.#decayOf(name);
          const decay = wd > 0 ? p.mul(wd) : null;
          p.assign(keep(p, p.sub((decay ? update.add(decay) : update).mul(lr))));
        });
      }
    });
  }

  /** {@link update} with two kernels per weight (engine/webgpu/adamw-update.ts): the same arithmetic. */
  #updateOnGpu(
    params: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
    scalars: tf.Tensor1D,
    gate?: tf.Tensor,
  ): void {
    for (const { name, p, g, mv } of this.#withSlots(params, grads)) {
      tf.tidy(() => {
        mv.assign(gpuMoments(mv, g, this.beta1, this.beta2, gate));
        p.assign(gpuAdamWWeight(p, mv, scalars, this.epsilon, this.#decayOf(name), gate));
      });
    }
  }

  /** Each weight that has a gradient, with its moments' slot (made on first use). */
  *#withSlots(
    params: ReadonlyMap<string, tf.Variable>,
    grads: ReadonlyMap<string, tf.Tensor>,
  ): Generator<{ name: string; p: tf.Variable; g: tf.Tensor; mv: tf.Variable }> {
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (g) yield { name, p, g, mv: this.#slot(name, p) };
    }
  }

  /** The weight decay of a weight: 0 for biases and norms. */
  #decayOf(name: string): number {
    return this.weightDecay > 0 && !this.#noDecay(name) ? this.weightDecay : 0;
  }

  /** Makes the moment slots of these weights now (zeros) rather than at their first update. */
  ensureSlots(params: ReadonlyMap<string, tf.Variable>): void {
    for (const [name, p] of params) this.#slot(name, p);
  }

  /** The moment estimates (carried from step to step, like the weights). */
  stateVariables(): tf.Variable[] {
    return [...this.#mv.values()];
  }

  #slot(name: string, like: tf.Variable): tf.Variable {
    let s = this.#mv.get(name);
    if (!s) {
      const zeros = tf.zeros([2, ...like.shape]);
      s = tf.variable(zeros, false, `adamw/mv/${name}`);
      zeros.dispose(); // the variable keeps its own reference to the data
      this.#mv.set(name, s);
    }
    return s;
  }

  /** Number of scalars of optimizer state (2 per trained weight once every weight has had a gradient). */
  stateSize(): number {
    let n = 0;
    for (const s of this.#mv.values()) n += s.size;
    return n;
  }

  /** The state as plain arrays by name, for a checkpoint. */
  async exportState(): Promise<{
    step: number;
    tensors: Map<string, { shape: number[]; data: Float32Array }>;
  }> {
    const slots = [...this.#mv];
    const values = await readFloats(slots.map(([, s]) => s));
    // A checkpoint holds the two moments by name (m/<weight>, v/<weight>), as it always has.
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const prefix of ['m', 'v'])
      slots.forEach(([name, s], i) => {
        const data = values[i] as Float32Array;
        const half = data.length / 2;
        const part = prefix === 'm' ? data.slice(0, half) : data.slice(half);
        tensors.set(`${prefix}/${name}`, { shape: s.shape.slice(1), data: part });
      });
    return { step: this.#step, tensors };
  }

  /** Restores what exportState wrote; the result continues exactly as if training had not stopped. */
  importState(state: {
    step: number;
    tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>;
  }): void {
    const pairs = new Map<string, { m?: Float32Array; v?: Float32Array; shape: number[] }>();
    for (const [key, t] of state.tensors) {
      const slash = key.indexOf('/');
      const prefix = key.slice(0, slash);
      const name = key.slice(slash + 1);
      if (prefix !== 'm' && prefix !== 'v') throw new Error(`optimizer state: unexpected tensor ${key}`);
      const pair = pairs.get(name) ?? { shape: t.shape };
      pair[prefix] = t.data;
      pairs.set(name, pair);
    }
    for (const [name, p] of pairs)
      if (!p.m || !p.v)
        throw new Error(`optimizer state: ${name} has only its ${p.m ? 'first' : 'second'} moment`);
    this.dispose();
    this.#step = state.step;
    for (const [name, p] of pairs) {
      const data = new Float32Array(2 * (p.m as Float32Array).length);
      data.set(p.m as Float32Array);
      data.set(p.v as Float32Array, data.length / 2);
      const value = tf.tensor(data, [2, ...p.shape], 'float32');
      this.#mv.set(name, tf.variable(value, false, `adamw/mv/${name}`));
      value.dispose();
    }
  }

  dispose(): void {
    for (const s of this.#mv.values()) s.dispose();
    this.#mv.clear();
  }
}
