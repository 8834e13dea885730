/**
 * A served batch's forward pass: rows of token ids, each with its own adapter, padded into one [batch, length]
 * input, sorted so each adapter's rows are contiguous, run once with the mixed hooks (mixed-hooks.ts), and read
 * back per row in the order they came: the head's logits and the mean-pooled last hidden state (the embedding).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RowwiseParts } from '../adapters/base/rowwise.ts';
import type { ForwardHooks } from '../models/base/hooks.ts';
import type { Model, ModelInputs } from '../models/base/types.ts';
import type { AdapterBank } from './bank.ts';
import { MixedHooks } from './mixed-hooks.ts';
import type { BankedRows, LoraMode, Segment } from './mixed-hooks.ts';

export interface ServeRow {
  /** The adapter's key (rows with the same key share a segment); null: the base. */
  key: string | null;
  parts: RowwiseParts | null;
  ids: readonly number[];
  typeIds: readonly number[];
}

export interface RowOutput {
  /** The head's outputs for this row (padded to the batch's widest head); empty when the model has no head. */
  logits: Float32Array;
  /** Mean of the last hidden state over the row's attended positions (virtual tokens included). */
  embedding: Float32Array;
}

/** Stable order with each key's rows together (the base first); returns the permutation. */
function groupOrder(rows: readonly ServeRow[]): number[] {
  const firstSeen = new Map<string | null, number>();
  rows.forEach((r, i) => {
    if (!firstSeen.has(r.key)) firstSeen.set(r.key, r.key === null ? -1 : i);
  });
  return rows
    .map((_, i) => i)
    .sort((a, b) => {
      const ka = firstSeen.get(rows[a]!.key)!;
      const kb = firstSeen.get(rows[b]!.key)!;
      return ka - kb || a - b;
    });
}

function segmentsOf(sorted: readonly ServeRow[]): Segment[] {
  const out: Segment[] = [];
  sorted.forEach((r, i) => {
    const last = out.at(-1);
    if (last && sorted[last.start]!.key === r.key) last.count++;
    else out.push({ parts: r.parts, start: i, count: 1 });
  });
  return out;
}

/**
 * Each sorted row's slot in the bank, as a [batch] index the mixed hooks gather by; null when a row's adapter is
 * not (or no longer) in the bank, and then the batch stacks its own tensors as before.
 */
function bankedRows(bank: AdapterBank, sorted: readonly ServeRow[]): BankedRows | null {
  const slots: number[] = [];
  for (const r of sorted) {
    const slot = r.parts && r.key !== null ? bank.slotOf(r.key, r.parts) : 0;
    if (slot === undefined) return null;
    slots.push(slot);
  }
  return { bank, slots, index: tf.tensor1d(slots, 'int32') };
}

/**
 * Runs `rows` as one batch. With `hooks` (an adapter that cannot share a batch), every row uses them; otherwise
 * each row's `parts` apply to it alone. The outputs are read back asynchronously: a synchronous read of a GPU
 * tensor fails on tf.js's webgpu backend under Node (it needs an OffscreenCanvas).
 */
export async function forwardRows(
  model: Model,
  rows: readonly ServeRow[],
  opts: {
    padId: number;
    loraMode: LoraMode;
    /** The loaded adapters' stacked tensors (gathered mode only: batched products are slow on wasm). */
    bank?: AdapterBank;
    hooks?: ForwardHooks;
    /** An adapter that runs the model more than once (a router): its answer replaces the head's logits. */
    answer?: (inputs: ModelInputs) => Promise<tf.Tensor2D>;
  },
): Promise<RowOutput[]> {
  const order = groupOrder(rows);
  const sorted = order.map((i) => rows[i]!);
  const batch = sorted.length;
  const len = Math.max(1, ...sorted.map((r) => r.ids.length));
  const ids = new Int32Array(batch * len).fill(opts.padId);
  const types = new Int32Array(batch * len);
  const mask = new Int32Array(batch * len);
  sorted.forEach((r, b) => {
    ids.set(r.ids, b * len);
    types.set(r.typeIds, b * len);
    mask.fill(1, b * len, b * len + r.ids.length);
  });
  const banked =
    !opts.hooks && opts.bank && opts.loraMode === 'gathered' ? bankedRows(opts.bank, sorted) : null;
  const mixed = opts.hooks
    ? null
    : new MixedHooks(segmentsOf(sorted), batch, opts.loraMode, banked ?? undefined);
  const inputs = {
    inputIds: tf.tensor2d(ids, [batch, len], 'int32'),
    attentionMask: tf.tensor2d(mask, [batch, len], 'int32'),
    tokenTypeIds: tf.tensor2d(types, [batch, len], 'int32'),
  };
  const outputs: tf.Tensor[] = [];
  try {
    const [logits, pooled] = tf.tidy(() => {
      const out = model.forward(inputs, { hooks: opts.hooks ?? mixed ?? {} });
      const last = (out.lastHiddenState ?? out.logits) as tf.Tensor3D;
      const seq = last.shape[1];
      // The attended positions as the forward saw them: each row's own virtual tokens, its tokens, then padding.
      const m = new Float32Array(batch * seq);
      sorted.forEach((r, b) => {
        const own = r.parts?.kind === 'prompt' ? (r.parts.prompt.shape[0] as number) : 0;
        const p = mixed ? own : seq - len;
        m.fill(1, b * seq, b * seq + p + r.ids.length);
      });
      const m3 = tf.tensor3d(m, [batch, seq, 1]);
      const emb = last.mul(m3).sum(1).div(m3.sum(1));
      const head = !opts.answer && out.logits.rank === 2 ? out.logits : tf.zeros([batch, 0]);
      return [head, emb];
    });
    outputs.push(logits, pooled);
    const answer = opts.answer ? await opts.answer(inputs) : logits;
    if (answer !== logits) outputs.push(answer);
    const [l, e] = (await Promise.all([answer.data(), pooled.data()])) as [Float32Array, Float32Array];
    const lw = answer.shape[1] as number;
    const ew = pooled.shape[1] as number;
    const result: RowOutput[] = new Array<RowOutput>(batch);
    order.forEach((orig, b) => {
      result[orig] = { logits: l.slice(b * lw, (b + 1) * lw), embedding: e.slice(b * ew, (b + 1) * ew) };
    });
    return result;
  } finally {
    tf.dispose([...Object.values(inputs), ...outputs, ...(banked ? [banked.index] : [])]);
  }
}
