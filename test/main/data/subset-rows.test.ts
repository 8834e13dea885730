import { describe, expect, it } from 'vitest';
import { subsetRows } from '../../../src-main/data/split.ts';

const rows = Array.from({ length: 200 }, (_, i) => ({
  text: `t${i}`,
  label: i % 4 === 0 ? 'rare' : 'common',
}));

describe('train.trainFraction (subsetRows)', () => {
  it('keeps that fraction of each label, from the seed alone, nested across fractions', () => {
    const tenth = subsetRows(rows, 0.1, 3);
    expect(tenth.filter((r) => r.label === 'rare')).toHaveLength(5);
    expect(tenth.filter((r) => r.label === 'common')).toHaveLength(15);
    expect(subsetRows(rows, 0.1, 3)).toEqual(tenth);
    expect(subsetRows(rows, 0.1, 4)).not.toEqual(tenth);
    const half = new Set(subsetRows(rows, 0.5, 3).map((r) => r.text));
    expect(tenth.every((r) => half.has(r.text))).toBe(true);
    expect(subsetRows(rows, 1, 3)).toEqual(rows);
  });
});
