/**
 * The keys and values of a causal decoder's earlier positions, per layer, so that generation computes each new
 * token's projections once (prefill, then one position per step) instead of re-running the whole sequence.
 *
 * What is cached is what attention saw: keys and values after the `attentionKV` hook, so a prefix (prefix tuning)
 * is prepended once, at prefill, and stays at the front; later steps append their positions after it. The key mask
 * is cached with them (a prefix is always visible). A cache belongs to one sequence batch and one adapter set:
 * reusing it with other hooks would attend over keys the new hooks never produced.
 */
import * as tf from '@tensorflow/tfjs-core';

interface LayerEntry {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

export class KvCache {
  readonly #layers = new Map<number, LayerEntry>();
  /** Positions the hooks prepended at prefill (prefix tuning); not numbered as token positions. */
  #prepended = 0;
  /** 0/1 [batch, keys], the same for every layer (so stored once), or null for a pass without a mask. */
  #mask: tf.Tensor2D | null = null;

  /** True before the first forward pass (prefill) has filled it. */
  get empty(): boolean {
    return this.#layers.size === 0;
  }

  /**
   * Token positions cached so far (virtual tokens of prompt tuning included, as the forward numbers them; prefix
   * keys not): where the next pass's positions start.
   */
  get positions(): number {
    const first = this.#layers.get(0);
    return first ? first.k.shape[2] - this.#prepended : 0;
  }

  /** Keys cached per layer (prefix included): the length attention runs over before the next pass. */
  get keys(): number {
    return this.#layers.get(0)?.k.shape[2] ?? 0;
  }

  /**
   * One layer's attention inputs for this pass. Prefill (`empty` before the pass): `hooked` runs the hook and its
   * result is stored. A later step: the new keys/values are appended to the cached ones, without the hook (its
   * prefix is already in front). Called inside the forward pass's tidy: the stored tensors are kept, the ones they
   * replace disposed.
   */
  attend(
    layer: number,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
    mask: tf.Tensor2D | null,
    hooked: () => { k: tf.Tensor4D; v: tf.Tensor4D; keyMask: tf.Tensor2D | null; added: number },
  ): { k: tf.Tensor4D; v: tf.Tensor4D; keyMask: tf.Tensor2D | null } {
    const past = this.#layers.get(layer);
    let next: LayerEntry;
    if (!past) {
      const r = hooked();
      next = { k: r.k, v: r.v };
      if (layer === 0) {
        this.#prepended = r.added;
        this.#setMask(r.keyMask);
      }
    } else {
      next = { k: tf.concat([past.k, k], 2) as tf.Tensor4D, v: tf.concat([past.v, v], 2) as tf.Tensor4D };
      tf.dispose([past.k, past.v]);
      if (layer === 0)
        this.#setMask(this.#mask && mask ? (tf.concat([this.#mask, mask], 1) as tf.Tensor2D) : null);
    }
    tf.keep(next.k);
    tf.keep(next.v);
    this.#layers.set(layer, next);
    return { k: next.k, v: next.v, keyMask: this.#mask };
  }

  #setMask(mask: tf.Tensor2D | null): void {
    const old = this.#mask;
    this.#mask = mask ? tf.keep(mask) : null;
    if (old && old !== mask) old.dispose();
  }

  dispose(): void {
    for (const e of this.#layers.values()) tf.dispose([e.k, e.v]);
    this.#layers.clear();
    this.#setMask(null);
    this.#prepended = 0;
  }
}
