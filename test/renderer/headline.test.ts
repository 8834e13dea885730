import { describe, expect, it } from 'vitest';
import { headlineOf } from '../../src-shared/domain.ts';
import type { RunView } from '../../src-shared/domain.ts';
import { sortRuns } from '../../src-renderer/lib/headline.ts';

const run = (id: number, final: Record<string, number>, best = final): RunView =>
  ({ id, headline: headlineOf(final, best, null) }) as RunView;

describe('headline result', () => {
  it('judges by accuracy against the majority baseline; perplexity runs lower-better', () => {
    const baseline = { accuracy: 0.6, macroF1: 0.375, label: 'pos' };
    expect(headlineOf({ accuracy: 0.8, loss: 0.4 }, { accuracy: 0.85, loss: 0.3 }, baseline)).toEqual({
      metric: 'accuracy',
      final: 0.8,
      best: 0.85,
      lowerIsBetter: false,
      baseline: 0.6,
      beatsBaseline: true,
    });
    expect(headlineOf({ accuracy: 0.6 }, { accuracy: 0.7 }, baseline)?.beatsBaseline).toBe(false);
    expect(headlineOf({ perplexity: 20 }, { perplexity: 18 }, null)).toMatchObject({
      metric: 'perplexity',
      best: 18,
      lowerIsBetter: true,
      baseline: null,
      beatsBaseline: null,
    });
    expect(headlineOf({}, {}, null)).toBeNull();
  });

  it('sorts by final or best value, best first when descending, runs without one last', () => {
    const runs = [run(1, { accuracy: 0.7 }, { accuracy: 0.9 }), run(2, {}), run(3, { accuracy: 0.8 })];
    expect(sortRuns(runs, 'final', true).map((r) => r.id)).toEqual([3, 1, 2]);
    expect(sortRuns(runs, 'final', false).map((r) => r.id)).toEqual([1, 3, 2]);
    expect(sortRuns(runs, 'best', true).map((r) => r.id)).toEqual([1, 3, 2]);
    expect(sortRuns(runs, 'id', true).map((r) => r.id)).toEqual([3, 2, 1]);
    const lms = [run(5, { loss: 2 }), run(6, { loss: 1 })];
    expect(sortRuns(lms, 'final', true).map((r) => r.id)).toEqual([6, 5]);
  });
});
