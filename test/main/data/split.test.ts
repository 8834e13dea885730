import { describe, expect, it } from 'vitest';
import { splitItems, splitRows } from '../../../src-main/data/split.ts';
import { mixSeed, permutation } from '../../../src-main/data/rng.ts';
import type { TextRow } from '../../../src-main/data/types.ts';

const rows = (counts: Record<string, number>): TextRow[] => {
  const out: TextRow[] = [];
  for (const [label, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) out.push({ text: `${label} ${i}`, label, line: out.length + 2 });
  }
  return out;
};

describe('splits', () => {
  const data = rows({ a: 50, b: 30, c: 20 });

  it('are deterministic by seed and cover every row exactly once', () => {
    const opts = { seed: 1, validationFraction: 0.2, testFraction: 0.1, stratify: true };
    const s1 = splitItems(data, (r) => r.label, opts);
    expect(splitItems(data, (r) => r.label, opts)).toEqual(s1);
    expect(splitItems(data, (r) => r.label, { ...opts, seed: 2 })).not.toEqual(s1);
    const all = [...s1.train, ...s1.validation, ...s1.test].map((r) => r.line).sort((a, b) => a - b);
    expect(all).toEqual(data.map((r) => r.line));
    // Each part keeps file order.
    for (const part of [s1.train, s1.validation, s1.test]) {
      expect(part.map((r) => r.line)).toEqual([...part.map((r) => r.line)].sort((a, b) => a - b));
    }
  });

  it('are stratified: each label keeps its share in every part', () => {
    const s = splitItems(data, (r) => r.label, {
      seed: 0,
      validationFraction: 0.2,
      testFraction: 0.1,
      stratify: true,
    });
    const count = (part: TextRow[], l: string) => part.filter((r) => r.label === l).length;
    expect([count(s.validation, 'a'), count(s.validation, 'b'), count(s.validation, 'c')]).toEqual([
      10, 6, 4,
    ]);
    expect([count(s.test, 'a'), count(s.test, 'b'), count(s.test, 'c')]).toEqual([5, 3, 2]);
  });

  it('put at least one example of each class with 2+ examples in validation, never a lone example', () => {
    const s = splitRows(rows({ big: 40, pair: 2, lone: 1 }), {
      seed: 3,
      validationFraction: 0.1,
      stratify: true,
    });
    expect(s.validation.filter((r) => r.label === 'pair')).toHaveLength(1);
    expect(s.validation.filter((r) => r.label === 'lone')).toHaveLength(0);
    expect(s.test).toBeUndefined();
  });

  it('without stratification take the fraction of the whole set', () => {
    const s = splitItems(data, () => '', { seed: 0, validationFraction: 0.25, stratify: false });
    expect(s.validation).toHaveLength(25);
    expect(s.train).toHaveLength(75);
  });

  it('equal the split made by the earlier implementation (epoch-style permutations over sorted label groups)', () => {
    const previous = (seed: number) => {
      const groups = new Map<string, TextRow[]>();
      for (const r of data) groups.set(r.label, [...(groups.get(r.label) ?? []), r]);
      const validation: TextRow[] = [];
      let k = 0;
      for (const [, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const order = permutation(g.length, mixSeed(seed, 0x5eed), k++);
        const nVal = Math.max(1, Math.round(g.length * 0.2));
        order.slice(0, nVal).forEach((idx) => validation.push(g[idx] as TextRow));
      }
      return validation.map((r) => r.line).sort((a, b) => a - b);
    };
    for (const seed of [0, 1, 99]) {
      const s = splitRows(data, { seed, validationFraction: 0.2, stratify: true });
      expect(s.validation.map((r) => r.line)).toEqual(previous(seed));
    }
  });

  it('reject impossible fractions', () => {
    expect(() =>
      splitItems(data, (r) => r.label, {
        seed: 0,
        validationFraction: 0.6,
        testFraction: 0.4,
        stratify: true,
      }),
    ).toThrow(RangeError);
    expect(() =>
      splitItems(data, (r) => r.label, { seed: 0, validationFraction: -0.1, stratify: true }),
    ).toThrow(RangeError);
  });
});
