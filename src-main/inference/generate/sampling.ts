/**
 * Choosing the next token from one position's logits, in plain JavaScript (a vocabulary's worth of numbers read
 * back once per step): greedy, or temperature, top-k and top-p applied in transformers' order and one draw from
 * the project's seeded RNG, so a seed repeats a sample exactly on every backend.
 */
import type { Rng } from '../../data/rng.ts';
import type { SamplingOptions } from '../../../src-shared/generation.ts';

/** The first index of the largest logit (torch.argmax's choice on ties). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/**
 * The candidates sampling draws from, most probable first, with their probabilities (summing to 1): softmax of
 * logits / temperature, cut to the top k, then to the smallest head whose probability reaches top p (the token
 * that crosses p is kept, as transformers' TopPLogitsWarper keeps it).
 */
export function candidates(
  logits: ArrayLike<number>,
  opts: Pick<SamplingOptions, 'temperature' | 'topK' | 'topP'>,
): { ids: number[]; probs: number[] } {
  const order = Array.from({ length: logits.length }, (_, i) => i).sort(
    (a, b) => (logits[b] as number) - (logits[a] as number) || a - b,
  );
  const kept = opts.topK > 0 ? order.slice(0, opts.topK) : order;
  const top = logits[kept[0] as number] as number;
  // Subtracting the largest logit keeps exp() finite for any temperature.
  const weights = kept.map((i) => Math.exp(((logits[i] as number) - top) / opts.temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let probs = weights.map((w) => w / total);
  let ids = kept;
  if (opts.topP < 1) {
    let sum = 0;
    let n = 0;
    while (n < probs.length && sum < opts.topP) sum += probs[n++] as number;
    ids = ids.slice(0, Math.max(1, n));
    probs = probs.slice(0, ids.length);
    const kept = probs.reduce((s, p) => s + p, 0);
    probs = probs.map((p) => p / kept);
  }
  return { ids, probs };
}

/** The next token: argmax when temperature is 0, otherwise one draw from `candidates`. */
export function pickToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  if (opts.temperature === 0) return argmax(logits);
  const { ids, probs } = candidates(logits, opts);
  const u = rng.next();
  let acc = 0;
  for (let i = 0; i < ids.length; i++) {
    acc += probs[i] as number;
    if (u < acc) return ids[i] as number;
  }
  // Rounding can leave the sum a hair under u: the last candidate then.
  return ids[ids.length - 1] as number;
}
