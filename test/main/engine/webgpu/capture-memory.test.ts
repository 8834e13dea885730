/**
 * Sharing buffers between a captured step's temporaries (engine/webgpu/capture-memory.ts): temporaries in use at
 * once never share, one read before it is written keeps its own buffer, and a group is as large as its largest
 * member. Pure arithmetic: no GPU.
 */
import { describe, expect, it } from 'vitest';
import { planAliases, shareTemporaries } from '../../../../src-main/engine/webgpu/capture-memory.ts';

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
