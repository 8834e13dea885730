import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src-main/data/rng.ts';
import { argmax, candidates, pickToken } from '../../../../src-main/inference/generate/sampling.ts';
import { DEFAULT_SAMPLING } from '../../../../src-shared/generation.ts';

// Logits whose softmax at temperature 1 is [0.1, 0.2, 0.3, 0.4] (log-probabilities shifted by a constant).
const LOGITS = [0.1, 0.2, 0.3, 0.4].map((p) => Math.log(p) + 3);
const none = { temperature: 1, topK: 0, topP: 1 };

describe('sampling', () => {
  it('argmax takes the first of equal maxima, as torch.argmax does', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
  });

  it('candidates are the softmax, most probable first', () => {
    const c = candidates(LOGITS, none);
    expect(c.ids).toEqual([3, 2, 1, 0]);
    c.probs.forEach((p, i) => expect(p).toBeCloseTo([0.4, 0.3, 0.2, 0.1][i] as number, 12));
  });

  it('temperature 0.5 squares the probabilities before renormalising', () => {
    const c = candidates(LOGITS, { ...none, temperature: 0.5 });
    const sq = [0.16, 0.09, 0.04, 0.01];
    const total = sq.reduce((a, b) => a + b, 0);
    c.probs.forEach((p, i) => expect(p).toBeCloseTo((sq[i] as number) / total, 12));
  });

  it('top-k keeps the k most probable; top-p keeps the token that crosses p', () => {
    const k2 = candidates(LOGITS, { ...none, topK: 2 });
    expect(k2.ids).toEqual([3, 2]);
    k2.probs.forEach((p, i) => expect(p).toBeCloseTo([4 / 7, 3 / 7][i] as number, 12));
    // 0.4 < 0.5, 0.4 + 0.3 >= 0.5: two tokens.
    expect(candidates(LOGITS, { ...none, topP: 0.5 }).ids).toEqual([3, 2]);
    expect(candidates(LOGITS, { ...none, topP: 0.4 }).ids).toEqual([3]);
    expect(candidates(LOGITS, { ...none, topP: 0.75 }).ids).toEqual([3, 2, 1]);
  });

  it('draws follow the probabilities and repeat for a seed', () => {
    const opts = { ...DEFAULT_SAMPLING, temperature: 1 };
    const draw = (seed: number, n: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: n }, () => pickToken(LOGITS, opts, rng));
    };
    expect(draw(5, 50)).toEqual(draw(5, 50));
    const counts = [0, 0, 0, 0];
    for (const id of draw(1, 20_000)) counts[id] = (counts[id] as number) + 1;
    counts.forEach((c, i) => expect(c / 20_000).toBeCloseTo([0.1, 0.2, 0.3, 0.4][i] as number, 1));
    // Temperature 0 is greedy whatever the seed.
    expect(pickToken(LOGITS, DEFAULT_SAMPLING, new Rng(9))).toBe(3);
  });
});
