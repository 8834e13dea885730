/**
 * Sharing buffers between a captured step's temporaries (engine/webgpu/capture-memory.ts): temporaries in use at
 * once never share, one read before it is written keeps its own buffer, and a group is as large as its largest
 * member. Pure arithmetic: no GPU.
 */
import { describe, expect, it } from 'vitest';
import {
  orderCopies,
  planAliases,
  shareTemporaries,
} from '../../../../src-main/engine/webgpu/capture-memory.ts';
import type { Copy } from '../../../../src-main/engine/webgpu/capture-memory.ts';

const STORAGE = 0x80;
const temps = (sizes: Record<number, number>, usage = STORAGE) =>
  new Map(Object.entries(sizes).map(([id, size]) => [Number(id), { size, usage }]));

describe('sharing buffers between temporaries', () => {
  it('shares between temporaries used one after another, never between those in use at once', () => {
    // 0 -> 1 -> 2 -> 3, each read once by the next: 0 and 2 (and 1 and 3) never overlap.
    const commands = [
      { reads: [9], writes: [0] },
      { reads: [0], writes: [1] },
      { reads: [1], writes: [2] },
      { reads: [2], writes: [3] },
      { reads: [3], writes: [8] },
    ];
    const plan = planAliases(commands, temps({ 0: 100, 1: 100, 2: 100, 3: 100 }));
    expect(plan.groups).toHaveLength(2);
    expect(plan.groupOf.get(0)).toBe(plan.groupOf.get(2));
    expect(plan.groupOf.get(1)).toBe(plan.groupOf.get(3));
    expect(plan.groupOf.get(0)).not.toBe(plan.groupOf.get(1));
    // Not temporaries (9: an input, 8: an output) are never grouped.
    expect(plan.groupOf.has(8) || plan.groupOf.has(9)).toBe(false);
  });

  it('keeps its own buffer for a temporary read before written, or of another usage', () => {
    const commands = [
      { reads: [0], writes: [1] }, // 0 is read first: its contents come from before the step
      { reads: [1], writes: [2] },
      { reads: [2], writes: [3] },
    ];
    const t = temps({ 0: 64, 1: 64, 2: 64 });
    t.set(3, { size: 64, usage: STORAGE | 0x4 });
    const plan = planAliases(commands, t);
    expect(plan.groupOf.has(0)).toBe(false);
    expect(plan.groupOf.get(3)).not.toBe(plan.groupOf.get(1));
  });

  it('a kernel updating a buffer in place at its first use reads it first', () => {
    const plan = planAliases(
      [
        { reads: [0, 5], writes: [0] },
        { reads: [0], writes: [1] },
      ],
      temps({ 0: 8, 1: 8 }),
    );
    expect(plan.groupOf.has(0)).toBe(false);
  });

  it('picks the smallest free buffer that holds a temporary, else grows the largest', () => {
    const commands = [
      { reads: [], writes: [0] }, // 1000 bytes
      { reads: [], writes: [1] }, // 10 bytes
      { reads: [0, 1], writes: [9] }, // both dead after this
      { reads: [], writes: [2] }, // 8 bytes: both groups free, the 10-byte one is the smallest that holds it
      { reads: [2], writes: [3] }, // 2000 bytes: only the 1000-byte group is free; it grows
      { reads: [3], writes: [8] },
    ];
    const plan = planAliases(commands, temps({ 0: 1000, 1: 10, 2: 8, 3: 2000 }));
    expect(plan.groupOf.get(2)).toBe(plan.groupOf.get(1));
    expect(plan.groupOf.get(3)).toBe(plan.groupOf.get(0));
    expect(plan.groups.map((g) => g.size).sort((a, b) => a - b)).toEqual([10, 2000]);
  });

  it('makes a buffer per group of two or more and says which temporaries it replaces', () => {
    const buf = (size: number) => ({ size, usage: STORAGE });
    const [a, b, c, d, input, output] = [buf(40), buf(40), buf(40), buf(24), buf(4), buf(4)];
    const made: { size: number; usage: number }[] = [];
    const r = shareTemporaries(
      (size, usage) => {
        const x = { size, usage };
        made.push(x);
        return x;
      },
      [
        { reads: [input], writes: [a] },
        { reads: [a], writes: [b] },
        { reads: [b], writes: [c] },
        { reads: [c, d], writes: [output] },
      ],
      [a, b, c, d],
    );
    // a and c share; b is alone; d is read first (its own).
    expect(made).toHaveLength(1);
    expect(r.bufferAt(0, a)).toBe(made[0]);
    expect(r.bufferAt(3, c)).toBe(made[0]);
    expect([r.bufferAt(1, b), r.bufferAt(3, d)]).toEqual([b, d]);
    expect(r.freed.sort((x, y) => x.size - y.size)).toEqual([a, c]);
  });

  it('plans each stretch of a buffer tf.js handed out again as a temporary of its own', () => {
    const buf = (size: number) => ({ size, usage: STORAGE });
    const [a, b, c, input, output] = [buf(40), buf(40), buf(40), buf(4), buf(4)];
    // a holds one tensor at commands 0-1 and another at 3-4 (tf.js gave it out again before command 3); b is
    // written at 1 and read until 4, c at 2 and read at 3. Taken whole, a (0-4) overlaps b and c: nothing shares.
    // In stretches, a's first tensor ends before c starts, so they can share a buffer.
    const uses = [
      { reads: [input], writes: [a] },
      { reads: [a], writes: [b] },
      { reads: [b], writes: [c] },
      { reads: [c], writes: [a] },
      { reads: [a, b], writes: [output] },
    ];
    const made: { size: number; usage: number }[] = [];
    const make = (size: number, usage: number) => {
      const x = { size, usage };
      made.push(x);
      return x;
    };
    const whole = shareTemporaries(make, uses, [a, b, c]);
    expect(made).toHaveLength(0);
    expect(whole.freed).toEqual([]);
    const split = shareTemporaries(make, uses, [a, b, c], new Map([[a, [0, 3]]]));
    expect(made).toHaveLength(1);
    // The first tensor of a and c share; a's second tensor stays in a (a group of one), so a is not freed.
    expect(split.bufferAt(0, a)).toBe(made[0]);
    expect(split.bufferAt(1, a)).toBe(made[0]);
    expect(split.bufferAt(2, c)).toBe(made[0]);
    expect(split.bufferAt(3, a)).toBe(a);
    expect(split.bufferAt(4, a)).toBe(a);
    expect(split.freed).toEqual([c]);
    // A buffer read before tf.js first handed it out holds data from before the step: planned whole.
    const readFirst = shareTemporaries(
      make,
      [{ reads: [a], writes: [b] }, ...uses],
      [a, b, c],
      new Map([[a, [1, 4]]]),
    );
    expect(readFirst.bufferAt(1, a)).toBe(a);
    expect(readFirst.bufferAt(4, a)).toBe(a);
  });
});

describe("ordering a replay's state copies", () => {
  /**
   * Runs `moves` (dst <- src over named buffers) through orderCopies, applies the ordered copies to buffers holding
   * their own names, and returns what each destination ends up holding and how many scratch buffers were made.
   */
  function apply(moves: [string, string][]) {
    const buffers = new Map<string, { name: string }>();
    const buf = (name: string) => buffers.get(name) ?? buffers.set(name, { name }).get(name)!;
    const copies: Copy[] = moves.map(([dst, src]) => ({ dst: buf(dst), src: buf(src), size: 4 }));
    let scratches = 0;
    const ordered = orderCopies(copies, () => buf(`scratch${scratches++}`));
    const value = new Map([...buffers.keys()].map((n) => [n, n]));
    for (const c of ordered) {
      const from = (c.src as { name: string }).name;
      value.set((c.dst as { name: string }).name, value.get(from) as string);
    }
    return {
      held: Object.fromEntries(moves.map(([dst]) => [dst, value.get(dst)])),
      copies: ordered.length,
      scratches,
    };
  }

  it('copies each value once where no copy overwrites what another still reads', () => {
    expect(
      apply([
        ['a', 'x'],
        ['b', 'y'],
      ]),
    ).toEqual({ held: { a: 'x', b: 'y' }, copies: 2, scratches: 0 });
  });

  it('orders a chain so each buffer is read before it is overwritten, with no scratch', () => {
    // a <- b <- c <- d: b must be read (into a) before c overwrites it, and so on.
    const r = apply([
      ['b', 'c'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(r).toEqual({ held: { a: 'b', b: 'c', c: 'd' }, copies: 3, scratches: 0 });
  });

  it('breaks each cycle with one scratch buffer', () => {
    // A swap, a 3-cycle and a chain hanging off nothing: 2 + 3 + 2 copies, plus one per cycle.
    const r = apply([
      ['a', 'b'],
      ['b', 'a'],
      ['p', 'q'],
      ['q', 'r'],
      ['r', 'p'],
      ['u', 'v'],
      ['v', 'w'],
    ]);
    expect(r.held).toEqual({ a: 'b', b: 'a', p: 'q', q: 'r', r: 'p', u: 'v', v: 'w' });
    expect(r.scratches).toBe(2);
    expect(r.copies).toBe(7 + 2);
  });

  it('gives every destination its source value for any permutation of buffers', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 50; trial++) {
      // Variables 0..n-1 read buffer s_i and the step left their values in e_i: a random mix of fresh buffers and
      // other variables' start buffers (tf.js's pool hands them out again).
      const n = 1 + rand(12);
      const starts = Array.from({ length: n }, (_, i) => `s${i}`);
      const pool = [...starts, ...Array.from({ length: n }, (_, i) => `f${i}`)];
      const ends: string[] = [];
      for (let i = 0; i < n; i++) ends.push(pool.splice(rand(pool.length), 1)[0] as string);
      const moves = starts.map((s, i) => [s, ends[i]] as [string, string]).filter(([s, e]) => s !== e);
      const r = apply(moves);
      for (const [dst, src] of moves) expect(r.held[dst], `trial ${trial}`).toBe(src);
      expect(r.copies).toBe(moves.length + r.scratches);
    }
  });
});
