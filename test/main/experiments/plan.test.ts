import { describe, expect, it } from 'vitest';
import { bestTrial, keepsGoing, planTrials, trialConfig } from '../../../src-main/experiments/plan.ts';
import { sweepConfigSchema } from '../../../src-shared/sweep.ts';
import type { SweepConfigInput } from '../../../src-shared/sweep.ts';

const base = {
  model: 'default',
  dataset: { sample: 'spam-assassin' },
  method: { type: 'lora' as const, r: 4 },
  train: { epochs: 1 },
};
const sweep = (over: Partial<SweepConfigInput>) =>
  sweepConfigSchema.parse({ project: '/p', base, space: { 'train.lr': [1e-3] }, ...over });

describe('planning a sweep', () => {
  it('a grid runs every combination, in a fixed order', () => {
    const trials = planTrials(sweep({ space: { 'train.lr': [1e-4, 1e-3], 'method.r': [2, 4, 8] } }));
    expect(trials).toHaveLength(6);
    expect(trials[0]).toEqual({ 'method.r': 2, 'train.lr': 1e-4 });
    expect(new Set(trials.map((t) => JSON.stringify(t))).size).toBe(6);
  });

  it('a random search draws its trials from the seed alone, log-uniform where asked, inside the range', () => {
    const config = sweep({
      search: { kind: 'random', trials: 12, seed: 7 },
      space: { 'train.lr': { min: 1e-5, max: 1e-2, log: true }, 'method.r': { min: 2, max: 16, int: true } },
    });
    const a = planTrials(config);
    expect(a).toEqual(planTrials(config));
    expect(a).toHaveLength(12);
    for (const t of a) {
      expect(t['train.lr']).toBeGreaterThanOrEqual(1e-5);
      expect(t['train.lr']).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(t['method.r'])).toBe(true);
    }
    // Log-uniform: about as many draws below 1e-3.5 as above (a linear draw would put almost all above).
    const low = a.filter((t) => (t['train.lr'] as number) < 10 ** -3.5).length;
    expect(low).toBeGreaterThan(2);
    expect(planTrials({ ...config, search: { ...config.search, seed: 8 } })).not.toEqual(a);
  });

  it('refuses, in words, a range in a grid, a random search without a count, and an unknown option', () => {
    const issues = (input: unknown) =>
      sweepConfigSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ project: '/p', base, space: { 'train.lr': { min: 1e-4, max: 1e-2 } } })).toContain(
      'a grid needs a list of values; a range needs search.kind "random"',
    );
    expect(
      issues({ project: '/p', base, space: { 'train.lr': [1e-3] }, search: { kind: 'random' } }),
    ).toContain('a random search needs "trials"');
    expect(issues({ project: '/p', base, space: { 'train.project': [1] } })[0]).toMatch(/an option is/);
  });

  it("a trial's config is the base with its values, named after them; a refused value names the trial", () => {
    const config = sweep({ space: { 'method.r': [0] } });
    expect(() => trialConfig(config, { 'method.r': 0 }, 2, 's')).toThrow(
      /^trial 3 \(r=0\): Rank r must be greater than 0 \(method.r\)$/,
    );
    const t = trialConfig(sweep({}), { 'train.lr': 5e-4, 'method.r': 8 }, 0, 'lr sweep');
    expect(t.train.lr).toBe(5e-4);
    expect(t.method).toMatchObject({ type: 'lora', r: 8 });
    expect(t.train.epochs).toBe(1);
    expect(t.name).toBe('lr sweep #1 lr=0.0005 r=8');
  });
});

describe('successive halving', () => {
  it('keeps the first eta-1 trials at a rung, then only the best 1/eta of those scored there', () => {
    expect(keepsGoing(0.1, [], 3, false)).toBe(true);
    expect(keepsGoing(0.1, [0.9], 3, false)).toBe(true);
    expect(keepsGoing(0.5, [0.9, 0.4], 3, false)).toBe(false);
    expect(keepsGoing(0.95, [0.9, 0.4], 3, false)).toBe(true);
    // Six scored: the best two go on.
    expect(keepsGoing(0.8, [0.9, 0.85, 0.1, 0.2, 0.3], 3, false)).toBe(false);
    expect(keepsGoing(0.88, [0.9, 0.85, 0.1, 0.2, 0.3], 3, false)).toBe(true);
    // Loss: lower is better.
    expect(keepsGoing(0.2, [0.5, 0.4], 3, true)).toBe(true);
    expect(keepsGoing(0.6, [0.5, 0.4], 3, true)).toBe(false);
  });

  it('the best trial is the best score, the earlier on a tie, none when nothing scored', () => {
    expect(bestTrial([0.5, null, 0.7, 0.7], false)).toBe(2);
    expect(bestTrial([0.5, 0.3], true)).toBe(1);
    expect(bestTrial([null, null], false)).toBeNull();
  });
});
