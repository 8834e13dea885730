import { describe, expect, it } from 'vitest';
import { mergeLoras } from '../../../src-main/lora-merge/lora-merge.ts';
import type { LoraMergeOptions, SourceLora } from '../../../src-main/lora-merge/lora-merge.ts';
import type { MaskSite } from '../../../src-main/lora-merge/task-arithmetic.ts';
import { masksFromList, seededMasks } from '../../../src-main/lora-merge/masks.ts';
import { Rng } from '../../../src-main/data/rng.ts';

const IN = 6;
const OUT = 5;

function source(name: string, r: number, alpha: number, seed: number, modules = ['q', 'v']): SourceLora {
  const rng = new Rng(seed);
  const rand = (n: number) => Float64Array.from({ length: n }, () => rng.next() * 2 - 1);
  return {
    name,
    r,
    scaling: alpha / r,
    modules: new Map(
      modules.map((m) => [
        m,
        { a: { shape: [r, IN], data: rand(r * IN) }, b: { shape: [OUT, r], data: rand(OUT * r) } },
      ]),
    ),
  };
}

/** B·A of a factor pair in torch layout ([out, r] · [r, in]). */
function ba(f: { a: { shape: number[]; data: Float64Array }; b: { shape: number[]; data: Float64Array } }) {
  const r = f.a.shape[0] as number;
  const out = new Float64Array(OUT * IN);
  for (let i = 0; i < OUT; i++)
    for (let k = 0; k < r; k++)
      for (let j = 0; j < IN; j++)
        out[i * IN + j] =
          (out[i * IN + j] as number) + (f.b.data[i * r + k] as number) * (f.a.data[k * IN + j] as number);
  return out;
}

const opts = (o: Partial<LoraMergeOptions> & Pick<LoraMergeOptions, 'type'>): LoraMergeOptions => ({
  weights: [1, 1],
  majoritySign: 'total',
  ...o,
});
const noMasks = masksFromList([]);

describe('mergeLoras (PEFT add_weighted_adapter)', () => {
  const s1 = source('#1', 2, 4, 1);
  const s2 = source('#2', 2, 2, 2);
  const s3 = source('#3', 3, 3, 3);

  it('linear: A takes sign(w·s)·sqrt|w·s|, B sqrt|w·s| (a negative weight flips A only)', () => {
    const merged = mergeLoras([s1, s2], opts({ type: 'linear', weights: [0.5, -2] }), ['q'], noMasks);
    expect(merged.rank).toBe(2);
    const q = merged.modules.get('q');
    const w1 = 0.5 * 2; // weight * alpha/r
    const w2 = -2 * 1;
    const a1 = s1.modules.get('q')?.a.data as Float64Array;
    const a2 = s2.modules.get('q')?.a.data as Float64Array;
    const b1 = s1.modules.get('q')?.b.data as Float64Array;
    const b2 = s2.modules.get('q')?.b.data as Float64Array;
    q?.a.data.forEach((x, i) =>
      expect(x).toBeCloseTo(Math.sqrt(w1) * (a1[i] as number) - Math.sqrt(-w2) * (a2[i] as number), 12),
    );
    q?.b.data.forEach((x, i) =>
      expect(x).toBeCloseTo(Math.sqrt(w1) * (b1[i] as number) + Math.sqrt(-w2) * (b2[i] as number), 12),
    );
  });

  it('cat: rank is the sum and B·A is exactly the weighted sum of the scaled updates', () => {
    const merged = mergeLoras([s1, s3], opts({ type: 'cat', weights: [0.7, 1.5] }), ['q', 'v'], noMasks);
    expect(merged.rank).toBe(5);
    for (const m of ['q', 'v']) {
      const got = ba(merged.modules.get(m) as never);
      const e1 = ba(s1.modules.get(m) as never);
      const e3 = ba(s3.modules.get(m) as never);
      got.forEach((x, i) =>
        expect(x).toBeCloseTo(
          0.7 * s1.scaling * (e1[i] as number) + 1.5 * s3.scaling * (e3[i] as number),
          12,
        ),
      );
    }
  });

  it('svd at full rank: B·A equals the weighted scaled updates (scaling once, as PEFT 0.21)', () => {
    const merged = mergeLoras(
      [s1, s3],
      opts({ type: 'svd', weights: [0.7, 1.5], svdRank: 5 }),
      ['q'],
      noMasks,
    );
    expect(merged.rank).toBe(5);
    const got = ba(merged.modules.get('q') as never);
    const e1 = ba(s1.modules.get('q') as never);
    const e3 = ba(s3.modules.get('q') as never);
    got.forEach((x, i) =>
      expect(x).toBeCloseTo(0.7 * s1.scaling * (e1[i] as number) + 1.5 * s3.scaling * (e3[i] as number), 10),
    );
    // The default rank is the largest source rank.
    expect(mergeLoras([s1, s3], opts({ type: 'svd' }), ['q'], noMasks).rank).toBe(3);
  });

  it('svd clamp bounds every factor entry by the quantile', () => {
    const merged = mergeLoras([s1, s3], opts({ type: 'svd', svdClamp: 0.5 }), ['q'], noMasks);
    const q = merged.modules.get('q');
    const all = [...(q?.a.data ?? []), ...(q?.b.data ?? [])].map(Math.abs);
    const unclamped = mergeLoras([s1, s3], opts({ type: 'svd' }), ['q'], noMasks).modules.get('q');
    const before = [...(unclamped?.a.data ?? []), ...(unclamped?.b.data ?? [])].map(Math.abs);
    expect(Math.max(...all)).toBeLessThan(Math.max(...before));
  });

  it('dare draws A masks for every source, then B masks, per module in order', () => {
    const sites: string[] = [];
    const record = (site: MaskSite, d: number) => {
      sites.push(`${site.module}.${site.factor}${site.source}`);
      return seededMasks(1)(site, d);
    };
    mergeLoras([s1, s2], opts({ type: 'dare_ties', density: 0.5 }), ['q', 'v'], record);
    expect(sites).toEqual(['q.A0', 'q.A1', 'q.B0', 'q.B1', 'v.A0', 'v.A1', 'v.B0', 'v.B1']);
  });

  it('dare_linear with all-ones masks is linear with the factors divided by density', () => {
    const ones = (n: number) => new Array<number>(n).fill(1);
    const masks = masksFromList([ones(2 * IN), ones(2 * IN), ones(OUT * 2), ones(OUT * 2)]);
    const dare = mergeLoras([s1, s2], opts({ type: 'dare_linear', density: 0.5 }), ['q'], masks).modules.get(
      'q',
    );
    const lin = mergeLoras([s1, s2], opts({ type: 'linear' }), ['q'], noMasks).modules.get('q');
    dare?.a.data.forEach((x, i) => expect(x).toBeCloseTo(2 * (lin?.a.data[i] as number), 12));
  });

  it('a module only one source adapts is merged from that source alone', () => {
    const only = source('#4', 2, 2, 4, ['q', 'k']);
    const merged = mergeLoras([s2, only], opts({ type: 'cat' }), ['q', 'k', 'v'], noMasks);
    expect([...merged.modules.keys()]).toEqual(['q', 'k', 'v']);
    const k = merged.modules.get('k');
    expect(k?.a.shape).toEqual([4, IN]);
    // cat fills rows in the order of the sources that have the module: #4's two rows first, zero rows after.
    expect([...(k?.a.data.slice(0, 2 * IN) ?? [])].every((x) => x !== 0)).toBe(true);
    expect([...(k?.a.data.slice(2 * IN) ?? [])].every((x) => x === 0)).toBe(true);
  });

  it('one adapter alone is rescaled linearly whatever the type, as PEFT does', () => {
    const merged = mergeLoras([s1], opts({ type: 'svd', weights: [1.5] }), ['q'], noMasks);
    expect(merged.rank).toBe(2);
    const k = Math.sqrt(1.5 * s1.scaling);
    merged.modules
      .get('q')
      ?.a.data.forEach((x, i) => expect(x).toBeCloseTo(k * (s1.modules.get('q')?.a.data[i] as number), 12));
  });

  it('refuses what PEFT refuses, in one line', () => {
    expect(() => mergeLoras([s1, s3], opts({ type: 'linear' }), ['q'], noMasks)).toThrow(
      'linear needs adapters of the same rank: #1 has r=2, #3 has r=3 (use cat or svd)',
    );
    expect(() => mergeLoras([s1, s2], opts({ type: 'ties' }), ['q'], noMasks)).toThrow(
      /ties needs a density/,
    );
    expect(() => mergeLoras([s1, s2], opts({ type: 'ties', density: 1.5 }), ['q'], noMasks)).toThrow(
      'density must be between 0 and 1, got 1.5',
    );
    expect(() => mergeLoras([s1, s2], opts({ type: 'dare_linear', density: 0 }), ['q'], noMasks)).toThrow(
      /above 0/,
    );
    expect(() => mergeLoras([], opts({ type: 'linear', weights: [] }), ['q'], noMasks)).toThrow(
      'choose the LoRA adapters to merge',
    );
    expect(() => mergeLoras([s1, s2], opts({ type: 'linear', weights: [1] }), ['q'], noMasks)).toThrow(
      '2 adapters need 2 weights, got 1',
    );
    expect(() => mergeLoras([s1, s2], opts({ type: 'svd', svdRank: 9 }), ['q'], noMasks)).toThrow(
      'svdRank 9 is larger than q allows (5 x 6)',
    );
  });
});
