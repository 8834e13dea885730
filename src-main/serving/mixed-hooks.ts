/**
 * One forward pass for a batch whose examples carry different adapters (LoRAX / S-LoRA / PEFT's `adapter_names`):
 * the examples are sorted so each adapter's rows are contiguous (a segment), the frozen base runs once over every
 * row, and each adapter adds its part to its own rows only.
 *
 * - LoRA: per-row gathered A/B products. `gathered` stacks the batch's A and B matrices (zero-padded to the largest
 *   rank), gathers one pair per example and runs two batched products; `segments` runs one plain 2-D product pair
 *   per adapter on its rows, which is the only product the wasm backend runs fast (XNNPACK takes 2-D, untransposed
 *   matmuls; a batched one falls into a naive loop), so wasm uses it.
 * - IA3: the scaling vectors gathered per example and broadcast over its rows (ones for rows without IA3).
 * - Bottleneck: each adapter's down/up module on its own rows of the sub-layer output.
 * - Prompt tuning: each row gets its own virtual tokens, then padding up to the batch's longest prompt, masked out
 *   (right-padded, so real tokens keep the positions they have alone).
 * - Task heads: each adapter's head (modules_to_save) on its rows; outputs padded to the widest head.
 *
 * Row for row this computes what each adapter computes alone (test/main/serving/mixed-hooks.test.ts, 1e-5).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RowwiseParts } from '../adapters/base/rowwise.ts';
import { activeBackend } from '../engine/backends.ts';
import { linear as dense, matMul } from '../engine/ops/index.ts';
import type { ForwardHooks, LinearInfo } from '../models/base/hooks.ts';
import { activate } from '../models/base/layers.ts';
import type { AdapterBank } from './bank.ts';

/** Consecutive examples of a batch that carry the same adapter (`parts` null: the base alone). */
export interface Segment {
  parts: RowwiseParts | null;
  start: number;
  count: number;
}

export type LoraMode = 'segments' | 'gathered';

/** Products per adapter on wasm (XNNPACK's fast 2-D path), gathered batched products elsewhere. */
export const defaultLoraMode = (): LoraMode => (activeBackend() === 'wasm' ? 'segments' : 'gathered');

/**
 * The loaded adapters' stacked tensors and each example's slot in them ([batch] int32): with it, the gathered
 * LoRA products, IA3 vectors and task heads gather per row from the bank instead of stacking the batch's tensors.
 */
export interface BankedRows {
  bank: AdapterBank;
  index: tf.Tensor1D;
  /** Slot per example, as numbers (which rows have a head module). */
  slots: readonly number[];
}

type Base = (x: tf.Tensor2D) => tf.Tensor2D;

const rowsOf = (x: tf.Tensor2D, s: Segment, per: number): tf.Tensor2D =>
  x.slice([s.start * per, 0], [s.count * per, x.shape[1]]);

export class MixedHooks implements ForwardHooks {
  /** Virtual tokens every row was padded to by `embeddings` (0: no prompt-tuned row). */
  promptWidth = 0;

  constructor(
    readonly segments: readonly Segment[],
    readonly batch: number,
    readonly loraMode: LoraMode,
    readonly banked?: BankedRows,
  ) {}

  linear(name: string, x: tf.Tensor2D, base: Base, info: LinearInfo): tf.Tensor2D {
    const per = x.shape[0] / this.batch;
    // A task head replaces the frozen module on its adapter's rows: run every segment as it would run alone.
    if (this.segments.some((s) => s.parts?.head.modules.has(name)))
      return this.#headBanked(name, x, per) ?? this.#perSegment(name, x, base, per);
    const inScale = this.#ia3(name, true, info.inFeatures);
    const x3 = inScale ? x.reshape([this.batch, per, info.inFeatures]).mul(inScale) : null;
    let y = base(x3 ? (x3.reshape([-1, info.inFeatures]) as tf.Tensor2D) : x);
    const outScale = this.#ia3(name, false, info.outFeatures);
    if (outScale)
      y = y.reshape([this.batch, per, info.outFeatures]).mul(outScale).reshape([-1, info.outFeatures]);
    const delta =
      this.loraMode === 'gathered' ? this.#loraGathered(name, x, per) : this.#loraSegments(name, x, per);
    return delta ? (y.add(delta) as tf.Tensor2D) : y;
  }

  sublayerOutput(
    layer: number,
    kind: 'attention' | 'ffn',
    out: tf.Tensor2D,
    input: tf.Tensor2D,
  ): tf.Tensor2D {
    const key = `${layer}/${kind}`;
    if (!this.segments.some((s) => s.parts?.kind === 'bottleneck' && s.parts.modules.has(key))) return out;
    const per = out.shape[0] / this.batch;
    const banked = this.#bottleneckBanked(key, out, input, per);
    if (banked) return banked;
    const parts = this.segments.map((s) => {
      const o = rowsOf(out, s, per);
      const p = s.parts;
      const m = p?.kind === 'bottleneck' ? p.modules.get(key) : undefined;
      if (p?.kind !== 'bottleneck' || !m) return o;
      const f = (z: tf.Tensor2D) =>
        dense(activate(dense(z, m.down, m.downBias), p.activation), m.up, m.upBias);
      return p.placement === 'parallel' ? o.add(f(rowsOf(input, s, per)).mul(p.scaling)) : o.add(f(o));
    });
    return tf.concat(parts, 0) as tf.Tensor2D;
  }

  embeddings(h: tf.Tensor3D, mask: tf.Tensor2D): { h: tf.Tensor3D; mask: tf.Tensor2D } {
    const lengths = this.segments.map((s) =>
      s.parts?.kind === 'prompt' ? (s.parts.prompt.shape[0] as number) : 0,
    );
    const width = Math.max(0, ...lengths);
    this.promptWidth = width;
    if (width === 0) return { h, mask };
    const [, len, hidden] = h.shape;
    const hs: tf.Tensor[] = [];
    const ms: tf.Tensor[] = [];
    this.segments.forEach((s, i) => {
      const p = lengths[i] as number;
      const rowsH = h.slice([s.start, 0, 0], [s.count, len, hidden]);
      const rowsM = mask.slice([s.start, 0], [s.count, len]).cast('float32');
      const hParts: tf.Tensor[] = [rowsH];
      const mParts: tf.Tensor[] = [rowsM];
      if (p > 0 && s.parts?.kind === 'prompt') {
        hParts.unshift(s.parts.prompt.expandDims(0).tile([s.count, 1, 1]));
        mParts.unshift(tf.ones([s.count, p]));
      }
      if (width > p) {
        hParts.push(tf.zeros([s.count, width - p, hidden]));
        mParts.push(tf.zeros([s.count, width - p]));
      }
      hs.push(tf.concat(hParts, 1));
      ms.push(tf.concat(mParts, 1));
    });
    return { h: tf.concat(hs, 0) as tf.Tensor3D, mask: tf.concat(ms, 0) as tf.Tensor2D };
  }

  /**
   * The bottleneck modules of a sub-layer from the bank: each row's down and up weights gathered, two batched
   * products, its placement's input chosen per row (tf.where: exact). Rows without a module here have zero weights
   * and biases, so they add exactly zero whatever the activation. Null (per-adapter path) when the batch's
   * bottlenecks use different activations.
   */
  #bottleneckBanked(key: string, out: tf.Tensor2D, input: tf.Tensor2D, per: number): tf.Tensor2D | null {
    const b = this.banked?.bank.bottleneck(key);
    const bn = this.segments.flatMap((s) => (s.parts?.kind === 'bottleneck' ? [s.parts] : []));
    const act = bn[0]?.activation;
    if (!b || !act || bn.some((p) => p.activation !== act)) return null;
    const idx = this.banked!.index;
    const parallel: boolean[] = [];
    const scale: number[] = [];
    for (const s of this.segments)
      for (let k = 0; k < s.count; k++) {
        const p = s.parts?.kind === 'bottleneck' ? s.parts : undefined;
        parallel.push(p?.placement === 'parallel');
        scale.push(p?.placement === 'parallel' ? p.scaling : 1);
      }
    const o3 = out.reshape([this.batch, per, -1]);
    const src = parallel.some((v) => v)
      ? tf.where(tf.tensor3d(parallel, [this.batch, 1, 1], 'bool'), input.reshape([this.batch, per, -1]), o3)
      : o3;
    const z = activate(
      tf.matMul(src as tf.Tensor3D, tf.gather(b.down, idx)).add(tf.gather(b.downBias, idx)),
      act,
    );
    let y = tf.matMul(z as tf.Tensor3D, tf.gather(b.up, idx)).add(tf.gather(b.upBias, idx));
    // Sequential rows scale by nothing: their sum stays the per-adapter path's bit for bit.
    if (scale.some((v) => v !== 1)) y = y.mul(tf.tensor3d(scale, [this.batch, 1, 1]));
    return o3.add(y).reshape([this.batch * per, -1]) as tf.Tensor2D;
  }

  /**
   * A task-head linear when every example's adapter has it: one gathered batched product from the bank (outputs
   * zero-padded to the bank's widest head, as #perSegment pads to the batch's), else null.
   */
  #headBanked(name: string, x: tf.Tensor2D, per: number): tf.Tensor2D | null {
    const head = this.banked?.bank.head(name);
    if (!head || !this.banked!.slots.every((s) => head.has.has(s))) return null;
    const idx = this.banked!.index;
    const x3 = x.reshape([this.batch, per, -1]) as tf.Tensor3D;
    const y = tf.matMul(x3, tf.gather(head.w, idx)).add(tf.gather(head.b, idx));
    return y.reshape([this.batch * per, -1]) as tf.Tensor2D;
  }

  /** Every segment as its adapter alone would compute it, outputs zero-padded to the widest and stacked. */
  #perSegment(name: string, x: tf.Tensor2D, base: Base, per: number): tf.Tensor2D {
    const outs = this.segments.map((s) => {
      const xs = rowsOf(x, s, per);
      const p = s.parts;
      const fromHead = p?.head.apply(name, xs);
      if (fromHead) return fromHead;
      if (p?.kind === 'ia3') {
        const sc = p.scales.get(name);
        if (sc) return sc.feedforward ? base(xs.mul(sc.v)) : (base(xs).mul(sc.v) as tf.Tensor2D);
      }
      if (p?.kind === 'lora') {
        const pair = p.pairs.get(name);
        if (pair)
          return base(xs).add(
            matMul(matMul(xs, pair.a as tf.Tensor2D), pair.b as tf.Tensor2D).mul(p.scale),
          ) as tf.Tensor2D;
      }
      return base(xs);
    });
    const width = Math.max(...outs.map((o) => o.shape[1]));
    return tf.concat(
      outs.map((o) =>
        o.shape[1] === width
          ? o
          : o.pad([
              [0, 0],
              [0, width - o.shape[1]],
            ]),
      ),
      0,
    ) as tf.Tensor2D;
  }

  /** IA3 vectors of the batch, one per example as [batch, 1, n] (ones where a row has none), or null. */
  #ia3(name: string, feedforward: boolean, n: number): tf.Tensor3D | null {
    const vOf = (s: Segment) => {
      const sc = s.parts?.kind === 'ia3' ? s.parts.scales.get(name) : undefined;
      return sc && sc.feedforward === feedforward ? sc.v : undefined;
    };
    if (!this.segments.some(vOf)) return null;
    const bankV = this.banked?.bank.ia3(name, feedforward);
    if (bankV) return tf.gather(bankV, this.banked!.index).reshape([this.batch, 1, n]) as tf.Tensor3D;
    const rows = this.segments.map((s) => {
      const v = vOf(s);
      return (v ? v.reshape([1, n]) : tf.ones([1, n])).tile([s.count, 1]);
    });
    return tf.concat(rows, 0).reshape([this.batch, 1, n]) as tf.Tensor3D;
  }

  /** One 2-D product pair per adapter on its rows; zeros for rows without a LoRA on this module. */
  #loraSegments(name: string, x: tf.Tensor2D, per: number): tf.Tensor2D | null {
    const pairOf = (s: Segment) => (s.parts?.kind === 'lora' ? s.parts.pairs.get(name) : undefined);
    const first = this.segments.map(pairOf).find((p) => p);
    if (!first) return null;
    const out = first.b.shape[1] as number;
    const parts = this.segments.map((s) => {
      const pair = pairOf(s);
      if (!pair || s.parts?.kind !== 'lora') return tf.zeros([s.count * per, out]);
      return matMul(matMul(rowsOf(x, s, per), pair.a as tf.Tensor2D), pair.b as tf.Tensor2D).mul(
        s.parts.scale,
      );
    });
    return tf.concat(parts, 0) as tf.Tensor2D;
  }

  /** Per-row gathered A and B (zero-padded to the batch's largest rank) and two batched products. */
  #loraGathered(name: string, x: tf.Tensor2D, per: number): tf.Tensor2D | null {
    const pairs = this.segments.map((s) => (s.parts?.kind === 'lora' ? s.parts.pairs.get(name) : undefined));
    const present = pairs.filter((p) => p !== undefined);
    if (present.length === 0) return null;
    const banked = this.banked?.bank.lora(name);
    if (banked) {
      const idx = this.banked!.index;
      const x3 = x.reshape([this.batch, per, -1]) as tf.Tensor3D;
      const d = tf.matMul(tf.matMul(x3, tf.gather(banked.a, idx)), tf.gather(banked.b, idx));
      return d.reshape([this.batch * per, -1]) as tf.Tensor2D;
    }
    const [inF, r0] = present[0]!.a.shape as [number, number];
    const out = present[0]!.b.shape[1] as number;
    const rank = Math.max(r0, ...present.map((p) => p.a.shape[1] as number));
    const as: tf.Tensor[] = [tf.zeros([inF, rank])];
    const bs: tf.Tensor[] = [tf.zeros([rank, out])];
    const index: number[] = [];
    const scale: number[] = [];
    this.segments.forEach((s, i) => {
      const pair = pairs[i];
      let slot = 0;
      if (pair && s.parts?.kind === 'lora') {
        const r = pair.a.shape[1] as number;
        slot = as.length;
        as.push(
          r === rank
            ? pair.a
            : pair.a.pad([
                [0, 0],
                [0, rank - r],
              ]),
        );
        bs.push(
          r === rank
            ? pair.b
            : pair.b.pad([
                [0, rank - r],
                [0, 0],
              ]),
        );
      }
      for (let k = 0; k < s.count; k++) {
        index.push(slot);
        scale.push(pair && s.parts?.kind === 'lora' ? s.parts.scale : 0);
      }
    });
    const idx = tf.tensor1d(index, 'int32');
    const aRows = tf.gather(tf.stack(as), idx) as tf.Tensor3D;
    const bRows = tf.gather(tf.stack(bs), idx) as tf.Tensor3D;
    const x3 = x.reshape([this.batch, per, inF]) as tf.Tensor3D;
    const d = tf.matMul(tf.matMul(x3, aRows), bRows).mul(tf.tensor3d(scale, [this.batch, 1, 1]));
    return d.reshape([-1, out]) as tf.Tensor2D;
  }
}
