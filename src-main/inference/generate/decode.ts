/**
 * The decode loop of a causal LM: a forward pass over the prompt (prefill), then one token per step. With the
 * cache each step feeds only the newest token and attends over the cached keys/values; without it each step
 * re-runs the whole sequence (the reference the cache must match, and transformers' use_cache=False).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FinishReason, SamplingOptions } from '../../../src-shared/generation.ts';
import { Rng } from '../../data/rng.ts';
import type { ForwardHooks } from '../../models/base/hooks.ts';
import { KvCache } from '../../models/base/kv-cache.ts';
import type { Model } from '../../models/base/types.ts';
import { pickToken } from './sampling.ts';

export interface DecodeLimits {
  /** The end-of-sequence ids (config's eos_token_id), honoured when `stopAtEos`. */
  eosIds: readonly number[];
  /** Positions the model was trained for (n_positions, max_position_embeddings): the sequence never exceeds it. */
  maxPositions: number;
}

export interface Decoded {
  ids: number[];
  finish: FinishReason;
  prefillMs: number;
  totalMs: number;
}

/**
 * Called with each new id and every id generated so far; returning true stops generation there (a stop
 * sequence). May be async: the loop awaits it, which also lets a worker's event loop send the token on.
 */
export type OnToken = (id: number, generated: readonly number[]) => boolean | Promise<boolean>;

/**
 * Logits of the last position of one forward pass over `ids` ([1, n]), read back, and how many positions the
 * pass had (more than `ids` where prompt tuning prepended virtual tokens).
 */
async function lastLogits(
  model: Model,
  ids: number[],
  hooks: ForwardHooks,
  cache: KvCache | null,
): Promise<{ logits: Float32Array; seq: number }> {
  let seq = 0;
  const last = tf.tidy(() => {
    const input = tf.tensor2d([ids], [1, ids.length], 'int32');
    const { logits } = model.forward({ inputIds: input }, { hooks, ...(cache ? { cache } : {}) });
    seq = logits.shape[1] as number;
    return logits.slice([0, seq - 1, 0], [1, 1, -1]).reshape([-1]);
  });
  try {
    // An asynchronous read: a GPU backend downloads without blocking, and the event loop turns once per token.
    return { logits: (await last.data()) as Float32Array, seq };
  } finally {
    last.dispose();
  }
}

/** Generates up to `opts.maxNewTokens` ids after `promptIds` with `hooks` (an adapter's, or none for the base). */
export async function decode(
  model: Model,
  hooks: ForwardHooks,
  promptIds: readonly number[],
  opts: SamplingOptions,
  limits: DecodeLimits,
  onToken: OnToken = () => false,
): Promise<Decoded> {
  if (model.config.task !== 'causal-lm')
    throw new Error(`generation needs a causal language model, not a ${model.config.task} model`);
  if (promptIds.length === 0) throw new Error('generation needs at least one prompt token');
  const rng = new Rng(opts.seed);
  const cache = opts.useCache ? new KvCache() : null;
  const generated: number[] = [];
  const t0 = performance.now();
  let prefillMs = 0;
  let finish: FinishReason = 'length';
  try {
    let sequence = [...promptIds];
    // Prompt tuning's virtual tokens take positions too: known after the first pass.
    let virtual = 0;
    let feed = sequence;
    while (generated.length < opts.maxNewTokens) {
      if (sequence.length + virtual > limits.maxPositions) {
        finish = 'positions';
        break;
      }
      const { logits, seq } = await lastLogits(model, feed, hooks, cache);
      if (generated.length === 0) {
        prefillMs = performance.now() - t0;
        virtual = seq - feed.length;
      }
      const id = pickToken(logits, opts, rng);
      generated.push(id);
      sequence = [...sequence, id];
      if (opts.stopAtEos && limits.eosIds.includes(id)) {
        finish = 'eos';
        break;
      }
      if (await onToken(id, generated)) {
        finish = 'stop';
        break;
      }
      feed = cache ? [id] : sequence;
    }
  } finally {
    cache?.dispose();
  }
  return { ids: generated, finish, prefillMs, totalMs: performance.now() - t0 };
}
