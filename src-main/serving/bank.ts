/**
 * The loaded adapters' per-row tensors stacked once per base model (S-LoRA's unified adapter pool): for each LoRA
 * target, every adapter's A as one [slots, in, r] tensor and its B, scale folded in, as one [slots, r, out]; for
 * each IA3 module every adapter's vector as one [slots, n]; for each task-head linear every adapter's weight and
 * bias; for each bottleneck sub-layer every adapter's down and up weights. Slot 0 is the row without an adapter
 * (zeros for LoRA, ones for IA3). A mixed batch then picks its rows' matrices with one gather per tensor by a
 * per-row slot index, whatever the number of distinct adapters in it.
 *
 * Why: stacking the batch's matrices per batch (`tf.stack` of up to 33 tensors per LoRA target) and running the
 * heads once per adapter cost kernels per distinct adapter; on a GPU a batch's time is its kernel count, and 32
 * mixed adapters kept only 76% of the single-adapter rate on an H100 (docs/SERVING.md). The bank changes when an
 * adapter is loaded or unloaded (a hot load pays it, not a batch) and belongs to its LoadedModel.
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

export interface BankBottleneck {
  /** [slots, hidden, r], [slots, 1, r], [slots, r, hidden], [slots, 1, hidden]: zeros where a slot has none. */
  down: tf.Tensor3D;
  downBias: tf.Tensor3D;
  up: tf.Tensor3D;
  upBias: tf.Tensor3D;
}

const padTo = (t: tf.Tensor, shape: readonly number[]): tf.Tensor =>
  t.shape.every((d, i) => d === shape[i])
    ? t
    : t.pad(t.shape.map((d, i) => [0, (shape[i] as number) - d] as [number, number]));

/**
 * `old` ([n, ...]) with one more slot: `item`, or `fill` where the new adapter has no such tensor; both are
 * zero-padded to the larger shape (a larger LoRA rank, a wider head), which changes no product.
 */
function appendSlot(
  old: tf.Tensor | undefined,
  n: number,
  item: tf.Tensor | undefined,
  fill: 'zeros' | 'ones',
): tf.Tensor {
  return tf.tidy(() => {
    const shape = old
      ? old.shape.slice(1).map((d, i) => Math.max(d, (item?.shape[i] as number | undefined) ?? 0))
      : item!.shape.slice();
    const f = (s: number[]) => (fill === 'ones' ? tf.ones(s) : tf.zeros(s));
    const before = old ? padTo(old, [n, ...shape]) : f([n, ...shape]);
    return tf.concat([before, (item ? padTo(item, shape) : f(shape)).expandDims(0)], 0);
  });
}

export class AdapterBank {
  #entries: BankEntry[] = [];
  #slots = new Map<string, { slot: number; parts: RowwiseParts }>();
  #lora = new Map<string, BankLora>();
  #ia3 = new Map<string, tf.Tensor2D>();
  #heads = new Map<string, BankHead>();
  #bottlenecks = new Map<string, BankBottleneck>();

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

  /** The bottleneck modules at a sub-layer (`${layer}/${kind}`). */
  bottleneck(key: string): BankBottleneck | undefined {
    return this.#bottlenecks.get(key);
  }

  /**
   * Adds an adapter in a new last slot. Each of the bank's tensors gets one concatenation (and a pad where the
   * new adapter is larger), so a hot load costs a few kernels per module, not a restack of every adapter.
   */
  add(e: BankEntry): void {
    const n = this.#entries.length + 1;
    this.#entries.push(e);
    this.#slots.set(e.key, { slot: n, parts: e.parts });
    const p = e.parts;
    const swap = <T>(
      map: Map<string, T>,
      key: string,
      next: T,
      old: T | undefined,
      tensors: (t: T) => tf.Tensor[],
    ) => {
      map.set(key, next);
      if (old) tf.dispose(tensors(old));
    };

    const loraNames = new Set([...this.#lora.keys(), ...(p.kind === 'lora' ? p.pairs.keys() : [])]);
    for (const m of loraNames) {
      const old = this.#lora.get(m);
      const pair = p.kind === 'lora' ? p.pairs.get(m) : undefined;
      const b = pair && p.kind === 'lora' ? tf.tidy(() => pair.b.mul(p.scale)) : undefined;
      const next = {
        a: appendSlot(old?.a, n, pair?.a, 'zeros') as tf.Tensor3D,
        b: appendSlot(old?.b, n, b, 'zeros') as tf.Tensor3D,
      };
      b?.dispose();
      swap(this.#lora, m, next, old, (l) => [l.a, l.b]);
    }

    const ia3Names = new Set([
      ...this.#ia3.keys(),
      ...(p.kind === 'ia3' ? [...p.scales].map(([m, sc]) => `${sc.feedforward ? 'in' : 'out'}:${m}`) : []),
    ]);
    for (const k of ia3Names) {
      const m = k.slice(k.indexOf(':') + 1);
      const sc = p.kind === 'ia3' ? p.scales.get(m) : undefined;
      const v = sc && sc.feedforward === k.startsWith('in:') ? sc.v.reshape([-1]) : undefined;
      const old = this.#ia3.get(k);
      const next = appendSlot(old, n, v, 'ones') as tf.Tensor2D;
      v?.dispose();
      swap(this.#ia3, k, next, old, (t) => [t]);
    }

    for (const k of new Set([
      ...this.#bottlenecks.keys(),
      ...(p.kind === 'bottleneck' ? p.modules.keys() : []),
    ])) {
      const old = this.#bottlenecks.get(k);
      const m = p.kind === 'bottleneck' ? p.modules.get(k) : undefined;
      const row = (t: tf.Tensor | undefined) => t?.reshape([1, -1]);
      const [db, ub] = [row(m?.downBias), row(m?.upBias)];
      const next = {
        down: appendSlot(old?.down, n, m?.down, 'zeros') as tf.Tensor3D,
        downBias: appendSlot(old?.downBias, n, db, 'zeros') as tf.Tensor3D,
        up: appendSlot(old?.up, n, m?.up, 'zeros') as tf.Tensor3D,
        upBias: appendSlot(old?.upBias, n, ub, 'zeros') as tf.Tensor3D,
      };
      tf.dispose([db, ub].filter((t) => t !== undefined));
      swap(this.#bottlenecks, k, next, old, (b) => [b.down, b.downBias, b.up, b.upBias]);
    }

    for (const m of new Set([...this.#heads.keys(), ...p.head.modules])) {
      const old = this.#heads.get(m);
      const w = p.head.weights.get(`${m}.weight`);
      const bias = w ? (p.head.weights.get(`${m}.bias`) ?? tf.zeros([w.shape[1] as number])) : undefined;
      const b1 = bias?.reshape([1, -1]);
      const next = {
        w: appendSlot(old?.w, n, w, 'zeros') as tf.Tensor3D,
        b: appendSlot(old?.b, n, b1, 'zeros') as tf.Tensor3D,
        has: new Set([...(old?.has ?? []), ...(w ? [n] : [])]),
      };
      b1?.dispose();
      if (bias && bias !== p.head.weights.get(`${m}.bias`)) bias.dispose();
      swap(this.#heads, m, next, old, (h) => [h.w, h.b]);
    }
  }

  /**
   * Removes an adapter: every tensor keeps the other slots (one gather each), later slots move down by one, and a
   * module no remaining adapter has is dropped. A LoRA rank or head width stays padded to the largest seen.
   */
  remove(key: string): boolean {
    const at = this.#entries.findIndex((e) => e.key === key);
    if (at < 0) return false;
    this.#entries.splice(at, 1);
    const keep = tf.tensor1d(
      Array.from({ length: this.#entries.length + 2 }, (_, i) => i).filter((i) => i !== at + 1),
      'int32',
    );
    const parts = this.#entries.map((e) => e.parts);
    const still = {
      lora: new Set(parts.flatMap((p) => (p.kind === 'lora' ? [...p.pairs.keys()] : []))),
      ia3: new Set(
        parts.flatMap((p) =>
          p.kind === 'ia3' ? [...p.scales].map(([m, sc]) => `${sc.feedforward ? 'in' : 'out'}:${m}`) : [],
        ),
      ),
      heads: new Set(parts.flatMap((p) => [...p.head.modules])),
      bottlenecks: new Set(parts.flatMap((p) => (p.kind === 'bottleneck' ? [...p.modules.keys()] : []))),
    };
    const pick = <T extends tf.Tensor>(t: T): T => tf.gather(t, keep) as T;
    for (const [m, l] of [...this.#lora]) {
      if (still.lora.has(m)) this.#lora.set(m, { a: pick(l.a), b: pick(l.b) });
      else this.#lora.delete(m);
      tf.dispose([l.a, l.b]);
    }
    for (const [k, v] of [...this.#ia3]) {
      if (still.ia3.has(k)) this.#ia3.set(k, pick(v));
      else this.#ia3.delete(k);
      v.dispose();
    }
    for (const [m, h] of [...this.#heads]) {
      const has = new Set([...h.has].filter((s) => s !== at + 1).map((s) => (s > at + 1 ? s - 1 : s)));
      if (still.heads.has(m)) this.#heads.set(m, { w: pick(h.w), b: pick(h.b), has });
      else this.#heads.delete(m);
      tf.dispose([h.w, h.b]);
    }
    for (const [k, b] of [...this.#bottlenecks]) {
      const all = [b.down, b.downBias, b.up, b.upBias];
      if (still.bottlenecks.has(k))
        this.#bottlenecks.set(k, {
          down: pick(b.down),
          downBias: pick(b.downBias),
          up: pick(b.up),
          upBias: pick(b.upBias),
        });
      else this.#bottlenecks.delete(k);
      tf.dispose(all);
    }
    keep.dispose();
    this.#slots.clear();
    this.#entries.forEach((e, i) => this.#slots.set(e.key, { slot: i + 1, parts: e.parts }));
    return true;
  }

  /** Stacks `entries` afresh (slots 1..n in order), disposing the previous stacks. */
  rebuild(entries: readonly BankEntry[]): void {
    this.dispose();
    for (const e of entries) this.add(e);
  }

  /** Every tensor the bank holds (for tests and accounting). */
  get numTensors(): number {
    return 2 * this.#lora.size + this.#ia3.size + 2 * this.#heads.size + 4 * this.#bottlenecks.size;
  }

  dispose(): void {
    for (const l of this.#lora.values()) tf.dispose([l.a, l.b]);
    for (const h of this.#heads.values()) tf.dispose([h.w, h.b]);
    tf.dispose([...this.#ia3.values()]);
    for (const b of this.#bottlenecks.values()) tf.dispose([b.down, b.downBias, b.up, b.upBias]);
    this.#bottlenecks.clear();
    this.#lora.clear();
    this.#ia3.clear();
    this.#heads.clear();
    this.#slots.clear();
    this.#entries = [];
  }
}
