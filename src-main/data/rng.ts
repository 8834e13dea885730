/**
 * A small seeded PRNG of our own (splitmix32). tf.js random ops cannot snapshot their state, and Math.random
 * cannot be seeded; this one's whole state is one 32-bit integer, so a checkpoint can store it and a resumed
 * run continues the exact same stream. Also used for dataset splits, so they depend on the seed alone.
 */

/** Serialisable generator state, for checkpoints. */
export interface RngState {
  readonly algorithm: 'splitmix32';
  /** Unsigned 32-bit counter. */
  readonly state: number;
}

const GOLDEN = 0x9e3779b9;

/** splitmix32: tiny, fast and well distributed. */
export class Rng {
  #state: number;

  /** @param seed any integer; it is reduced to 32 bits */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A generator that continues from a saved state. */
  static fromState(s: RngState): Rng {
    if (s.algorithm !== 'splitmix32' || !Number.isInteger(s.state) || s.state < 0 || s.state > 0xffffffff) {
      throw new Error(`invalid RNG state ${JSON.stringify(s)}`);
    }
    return new Rng(s.state);
  }

  /** The current state: `Rng.fromState(r.getState())` produces the same numbers as `r` from here on. */
  getState(): RngState {
    return { algorithm: 'splitmix32', state: this.#state };
  }

  /** Rewinds or fast-forwards to a saved state. */
  setState(s: RngState): void {
    this.#state = Rng.fromState(s).#state;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + GOLDEN) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`nextInt needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Fisher-Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/** Mixes two integers into one seed, to derive independent streams (per epoch, per split, per label). */
export const mixSeed = (a: number, b: number): number =>
  (Math.imul(a ^ 0x5bd1e995, 0x27d4eb2d) ^ (b + 0x165667b1)) >>> 0;

/** A random permutation of 0..n-1 from the stream `(seed, stream)`: depends on those two numbers alone. */
export function permutation(n: number, seed: number, stream = 0): number[] {
  return new Rng(mixSeed(seed, stream)).shuffle(Array.from({ length: n }, (_, i) => i));
}
