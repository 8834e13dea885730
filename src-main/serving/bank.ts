/**
 * The loaded adapters' per-row tensors stacked once per base model (S-LoRA's unified adapter pool): for each LoRA
 * target, every adapter's A as one [slots, in, r] tensor and its B, scale folded in, as one [slots, r, out]; for
 * each IA3 module every adapter's vector as one [slots, n]; for each task-head linear every adapter's weight and
 * bias. Slot 0 is the row without an adapter (zeros for LoRA, ones for IA3). A mixed batch then picks its rows'
 * matrices with one gather per tensor by a per-row slot index, whatever the number of distinct adapters in it.
 *
 * Why: stacking the batch's matrices per batch (`tf.stack` of up to 33 tensors per LoRA target) and running the
 * heads once per adapter cost kernels per distinct adapter; on a GPU a batch's time is its kernel count, and 32
 * mixed adapters kept only 76% of the single-adapter rate on an H100 (docs/SERVING.md). The bank is rebuilt when
 * an adapter is loaded or unloaded (a hot load pays it, not a batch) and belongs to its LoadedModel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RowwiseParts } from '../adapters/base/rowwise.ts';

/** An adapter as the bank sees it: its key and its per-row parts. */
export interface BankEntry {
  key: string;
  parts: RowwiseParts;
}

export interface BankLora {
  /** [slots, in, r]: zero-padded to the largest rank. */
  a: tf.Tensor3D;
  /** [slots, r, out]: each adapter's B times its scale. */
  b: tf.Tensor3D;
}

export interface BankHead {
  /** [slots, in, out]: zero-padded to the widest head (slot 0 and adapters without this module: zeros). */
  w: tf.Tensor3D;
  /** [slots, 1, out] */
  b: tf.Tensor3D;
  /** Slots whose adapter has this head module. */
  has: ReadonlySet<number>;
}

const padTo = (t: tf.Tensor, shape: readonly number[]): tf.Tensor =>
  t.shape.every((d, i) => d === shape[i])
    ? t
    : t.pad(t.shape.map((d, i) => [0, (shape[i] as number) - d] as [number, number]));

/** One stacked tensor per module: each slot's tensor (undefined: `fill`) zero-padded to the largest shape. */
function stackSlots(
  slots: readonly (tf.Tensor | undefined)[],
  fill: (shape: number[]) => tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    const present = slots.filter((t) => t !== undefined);
    const shape = present[0]!.shape.map((_, d) => Math.max(...present.map((t) => t.shape[d] as number)));
    return tf.stack(slots.map((t) => (t ? padTo(t, shape) : fill(shape))));
  });
}

export class AdapterBank {
  #slots = new Map<string, { slot: number; parts: RowwiseParts }>();
  #lora = new Map<string, BankLora>();
  #ia3 = new Map<string, tf.Tensor2D>();
  #heads = new Map<string, BankHead>();

  /**
   * The slot of the adapter these parts come from (an evicted or reloaded one: undefined). Instances make their
   * parts afresh on each read, so the adapter is recognised by its head, an object each instance owns.
   */
  slotOf(key: string, parts: RowwiseParts): number | undefined {
    const s = this.#slots.get(key);
    return s && s.parts.head === parts.head ? s.slot : undefined;
  }

  lora(module: string): BankLora | undefined {
    return this.#lora.get(module);
  }

  /** [slots, n] vectors of the IA3 modules that scale `module`'s input (`feedforward`) or its output. */
  ia3(module: string, feedforward: boolean): tf.Tensor2D | undefined {
    return this.#ia3.get(`${feedforward ? 'in' : 'out'}:${module}`);
  }

  head(module: string): BankHead | undefined {
    return this.#heads.get(module);
  }

  /** Stacks `entries` afresh (slots 1..n in order), disposing the previous stacks. */
  rebuild(entries: readonly BankEntry[]): void {
    this.dispose();
    entries.forEach((e, i) => this.#slots.set(e.key, { slot: i + 1, parts: e.parts }));
    const slots = [undefined, ...entries.map((e) => e.parts)];
    const modules = (f: (p: RowwiseParts) => Iterable<string>) =>
      new Set(entries.flatMap((e) => [...f(e.parts)]));

    for (const m of modules((p) => (p.kind === 'lora' ? p.pairs.keys() : []))) {
      const pair = (p: RowwiseParts | undefined) => (p?.kind === 'lora' ? p.pairs.get(m) : undefined);
      const a = stackSlots(
        slots.map((p) => pair(p)?.a),
        (s) => tf.zeros(s),
      );
      const b = tf.tidy(() =>
        stackSlots(
          slots.map((p) => {
            const q = pair(p);
            return q && p?.kind === 'lora' ? q.b.mul(p.scale) : undefined;
          }),
          (s) => tf.zeros(s),
        ),
      );
      this.#lora.set(m, { a: a as tf.Tensor3D, b: b as tf.Tensor3D });
    }

    const ia3Keys = modules((p) =>
      p.kind === 'ia3' ? [...p.scales].map(([m, s]) => `${s.feedforward ? 'in' : 'out'}:${m}`) : [],
    );
    for (const k of ia3Keys) {
      const [side, m] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
      const v = (p: RowwiseParts | undefined) => {
        const s = p?.kind === 'ia3' ? p.scales.get(m) : undefined;
        return s && s.feedforward === (side === 'in') ? s.v.reshape([-1]) : undefined;
      };
      const stacked = tf.tidy(() => stackSlots(slots.map(v), (s) => tf.ones(s)));
      this.#ia3.set(k, stacked as tf.Tensor2D);
    }

    for (const m of modules((p) => p.head.modules)) {
      const w = (p: RowwiseParts | undefined) => p?.head.weights.get(`${m}.weight`);
      const has = new Set(slots.flatMap((p, i) => (w(p) ? [i] : [])));
      const ws = stackSlots(slots.map(w), (s) => tf.zeros(s));
      const bs = tf.tidy(() =>
        stackSlots(
          slots.map((p) => {
            const wt = w(p);
            if (!wt) return undefined;
            const bias = p?.head.weights.get(`${m}.bias`);
            return (bias ?? tf.zeros([wt.shape[1] as number])).reshape([1, -1]);
          }),
          (s) => tf.zeros(s),
        ),
      );
      this.#heads.set(m, { w: ws as tf.Tensor3D, b: bs as tf.Tensor3D, has });
    }
  }

  /** Every tensor the bank holds (for tests and accounting). */
  get numTensors(): number {
    return 2 * this.#lora.size + this.#ia3.size + 2 * this.#heads.size;
  }

  dispose(): void {
    for (const l of this.#lora.values()) tf.dispose([l.a, l.b]);
    for (const h of this.#heads.values()) tf.dispose([h.w, h.b]);
    tf.dispose([...this.#ia3.values()]);
    this.#lora.clear();
    this.#ia3.clear();
    this.#heads.clear();
    this.#slots.clear();
  }
}
