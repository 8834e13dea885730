import { describe, expect, it } from 'vitest';
import { Rng, mixSeed, permutation } from '../../../src-main/data/rng.ts';

describe('Rng (splitmix32)', () => {
  it('is deterministic by seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('produces the reference splitmix32 sequence (worked out from the algorithm by hand for seed 0)', () => {
    // state 0 + golden ratio = 0x9e3779b9, then the two xor-shift-multiply rounds.
    let z = 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    expect(new Rng(0).nextUint32()).toBe((z ^ (z >>> 16)) >>> 0);
  });

  it('permutes by Fisher-Yates over the stream (seed, stream), as training epochs and splits always have', () => {
    // Worked out from the definition: position i (from the end) swaps with floor(u * (i + 1)) of the stream's u.
    const r = new Rng(mixSeed(3, 2));
    const expected = Array.from({ length: 50 }, (_, i) => i);
    for (let i = 49; i > 0; i--) {
      const j = Math.floor((r.nextUint32() / 2 ** 32) * (i + 1));
      [expected[i], expected[j]] = [expected[j] as number, expected[i] as number];
    }
    expect(permutation(50, 3, 2)).toEqual(expected);
    expect(permutation(50, 3, 3)).not.toEqual(expected);
  });

  it('exposes its state: a restored generator continues the same stream', () => {
    const r = new Rng(123);
    for (let i = 0; i < 17; i++) r.next();
    const saved = JSON.parse(JSON.stringify(r.getState())) as ReturnType<Rng['getState']>;
    const expected = Array.from({ length: 10 }, () => r.next());
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 10 }, () => restored.next())).toEqual(expected);
    r.setState(saved);
    expect(Array.from({ length: 10 }, () => r.next())).toEqual(expected);
  });

  it('rejects a corrupt state', () => {
    expect(() => Rng.fromState({ algorithm: 'splitmix32', state: -1 })).toThrow(/invalid RNG state/);
    expect(() => Rng.fromState({ algorithm: 'splitmix32', state: 1.5 })).toThrow(/invalid RNG state/);
  });

  it('draws in range and roughly uniformly', () => {
    const r = new Rng(9);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const k = r.nextInt(10);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(() => r.nextInt(0)).toThrow();
  });

  it('shuffles into a permutation and mixes seeds into distinct streams', () => {
    const p = permutation(100, 5);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(mixSeed(1, 0)).not.toBe(mixSeed(1, 1));
    expect(mixSeed(1, 0)).not.toBe(mixSeed(0, 1));
  });
});
