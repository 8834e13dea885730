/**
 * The orchestrated mixture (X-LoRA / OrchMoE style, a router's `layers` mode). A first pass of the frozen base with
 * the gate's head gives, from the pooled representation, one logit per (slot, adapter); the slots are the model's
 * layers plus one for the answer. Per slot a softmax over the adapters (optionally over the top k only) gives the
 * weights, and a second pass runs every adapter at every hook point and takes the weighted sum of their outputs:
 * since the weights sum to 1, that is the base's output plus each adapter's delta scaled by its weight at that
 * layer (X-LoRA's per-layer scalings). The adapters' heads answer different questions, so the answer slot mixes
 * their probabilities over the union of their labels as the soft router does (mix.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../errors.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';
import type { Model } from '../../models/base/types.ts';
import type { AdapterInstance } from '../base/types.ts';
import { mixProbabilities } from './mix.ts';

/** Gate slots of a model: one per layer, then the answer (the heads' mixture). */
export const gateSlots = (model: Model): number => model.config.numLayers + 1;

/** The layer a linear module belongs to (`…layer.3.…`, `…layers.3.…`, GPT-2's `…h.3.…`), or null (heads). */
export function layerOf(moduleName: string): number | null {
  const m = /(?:^|\.)(?:layer|layers|h)\.(\d+)\./.exec(moduleName);
  return m ? Number(m[1]) : null;
}

/**
 * Gate weights [rows, slots, N] from the gate's logits [rows, slots * N]: a softmax over the adapters per slot.
 * With `topK`, logits below a slot's k-th largest are left out of its softmax (ties at the k-th are kept). The mask
 * is off the gradient tape (a custom gradient of zero): which adapters are kept is a choice, not a function the
 * gate is trained through, as in X-LoRA's top-k. It is computed on the device (tf.topk), not read back: a
 * synchronous read fails on the webgpu backend under Node (issue #16).
 */
export function gateWeights(logits: tf.Tensor2D, slots: number, n: number, topK?: number): tf.Tensor3D {
  return tf.tidy(() => {
    const rows = logits.shape[0];
    const g = logits.reshape([rows, slots, n]) as tf.Tensor3D;
    if (topK === undefined || topK >= n) return tf.softmax(g) as tf.Tensor3D;
    const keepTopK = tf.customGrad((x) => {
      const t = x as tf.Tensor3D;
      const kth = tf.topk(t, topK).values.slice([0, 0, topK - 1], [rows, slots, 1]);
      return { value: t.greaterEqual(kth).cast('float32'), gradFunc: () => tf.zerosLike(t) };
    });
    const mask = keepTopK(g);
    return tf.softmax(g.add(mask.sub(1).mul(1e9))) as tf.Tensor3D;
  });
}

/** Adapters whose hooks change the sequence or the head's input cannot be weighed per layer. */
export function refuseUnmixable(sources: readonly AdapterInstance[]): void {
  for (const s of sources) {
    const h = s.hooks;
    if (h.embeddings || h.attentionKV || h.layerOutput || h.sequenceHead || h.videoTokens || h.features)
      throw new UserError(
        `router (layers): a ${s.method} adapter cannot be weighed per layer; take adapters that add a delta at a layer (LoRA, IA3, bottleneck, …)`,
      );
  }
}

/**
 * The second pass's hooks for gate weights `w` [batch, slots, N]. Every hook point runs every adapter on the same
 * input and returns their weighted sum with the weights of the hook's layer; the sequence head runs each adapter's
 * own head in turn and mixes their probabilities with the answer slot's weights, so the pass's logits are
 * log-probabilities over `placements`' union of labels.
 */
export function layerMixHooks(
  sources: readonly AdapterInstance[],
  w: tf.Tensor3D,
  placements: readonly tf.Tensor2D[],
): ForwardHooks {
  const [batch, slots, n] = w.shape;
  const answer = slots - 1;
  const slot = (l: number) => w.slice([0, Math.min(l, answer), 0], [batch, 1, n]).reshape([batch, n]);
  /** Slot l's weights for `rows` rows (batch x tokens: each example's weights repeated over its tokens). */
  const perRow = (l: number, rows: number): tf.Tensor2D => {
    const s = slot(l);
    if (rows === batch) return s as tf.Tensor2D;
    if (rows % batch !== 0)
      throw new UserError(`router (layers): ${rows} rows do not split into ${batch} inputs`);
    return s
      .reshape([batch, 1, n])
      .tile([1, rows / batch, 1])
      .reshape([rows, n]) as tf.Tensor2D;
  };
  const mix = (l: number, outs: tf.Tensor2D[]): tf.Tensor2D => {
    const first = outs[0] as tf.Tensor2D;
    // Adapters that left this point alone return its input itself: weights that sum to 1 give it back exactly.
    if (outs.every((o) => o === first)) return first;
    const ws = perRow(l, first.shape[0]);
    return tf.addN(outs.map((o, i) => o.mul(ws.slice([0, i], [-1, 1])))) as tf.Tensor2D;
  };
  // While the sequence head runs adapter `head`'s own head, linear calls go to that adapter alone.
  let head: number | null = null;
  return {
    linear: (name, x, base, info) => {
      if (head !== null) {
        const h = (sources[head] as AdapterInstance).hooks.linear;
        return h ? h(name, x, base, info) : base(x);
      }
      // The frozen projection is computed once for all adapters that call it on this input.
      let once: tf.Tensor2D | undefined;
      const shared = (y: tf.Tensor2D) => (y === x ? (once ??= base(x)) : base(y));
      const outs = sources.map((s) => (s.hooks.linear ? s.hooks.linear(name, x, shared, info) : shared(x)));
      return mix(layerOf(name) ?? answer, outs);
    },
    sublayerOutput: (layer, kind, out, input) =>
      mix(
        layer,
        sources.map((s) => (s.hooks.sublayerOutput ? s.hooks.sublayerOutput(layer, kind, out, input) : out)),
      ),
    sequenceHead: (last, base) => {
      const probs = sources.map((_, i) => {
        head = i;
        try {
          return tf.softmax(base(last)) as tf.Tensor2D;
        } finally {
          head = null;
        }
      });
      return mixProbabilities(slot(answer) as tf.Tensor2D, probs, placements);
    },
  };
}
