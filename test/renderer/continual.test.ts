import { describe, expect, it } from 'vitest';
import { forgetting } from '../../src-renderer/lib/forgetting.ts';

describe('forgetting (backward transfer of a retention matrix)', () => {
  it('is the mean change of each earlier task from when it was learned to the last stage', () => {
    const f = forgetting({
      tasks: ['a', 'b', 'c'],
      metric: 'accuracy',
      matrix: [
        [0.9, null, null],
        [0.7, 0.8, null],
        [0.5, 0.6, 1],
      ],
    });
    expect(f.perTask.map((t) => [t.task, t.learned, t.final])).toEqual([
      ['a', 0.9, 0.5],
      ['b', 0.8, 0.6],
    ]);
    expect(f.backwardTransfer).toBeCloseTo(-0.3, 10);
  });

  it('treats a perplexity rise as forgetting (negative) and is null before a second stage', () => {
    expect(
      forgetting({
        tasks: ['a', 'b'],
        metric: 'perplexity',
        matrix: [
          [10, null],
          [12, 8],
        ],
      }).backwardTransfer,
    ).toBe(-2);
    expect(
      forgetting({ tasks: ['a', 'b'], metric: 'accuracy', matrix: [[1, null]] }).backwardTransfer,
    ).toBeNull();
  });
});
