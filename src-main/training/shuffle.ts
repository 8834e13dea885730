/**
 * Deterministic shuffles from a small seeded generator of our own (tf.js random ops cannot snapshot their state).
 * Each epoch's order derives from (seed, epoch) alone, so a resumed run replays exactly the same batches.
 */

/** splitmix32: tiny, fast and well distributed; its whole state is one 32-bit number. */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** Mixes two integers into one seed (for per-epoch and per-step streams). */
export const mixSeed = (a: number, b: number): number =>
  (Math.imul(a ^ 0x5bd1e995, 0x27d4eb2d) ^ (b + 0x165667b1)) >>> 0;

/** Fisher-Yates over 0..n-1 with the epoch's own stream. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  const rand = splitmix32(mixSeed(seed, epoch));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}
