import { describe, expect, it } from 'vitest';
import type { RunView } from '../../src-shared/domain.ts';
import { lastChoice } from '../../src-renderer/lib/last-choice.ts';

const run = (id: number, config: Record<string, unknown>): RunView =>
  ({ id, name: `run ${id}`, config }) as unknown as RunView;

const single = (model: string, dataset: Record<string, unknown>, type = 'lora') => ({
  project: '/p',
  model,
  dataset,
  method: { type, r: 8 },
  train: {},
});

describe('the last dataset, model and method of a project', () => {
  it('is the latest single run’s, by id, whatever the list order', () => {
    const runs = [
      run(2, single('/models/b', { path: '/p/datasets/abc.csv', text: 'body', label: 'y' }, 'ia3')),
      run(3, single('default', { sample: 'first-names' })),
      run(1, single('/models/a', { sample: 'spam-assassin' })),
    ];
    expect(lastChoice(runs)).toEqual({
      runId: 3,
      runName: 'run 3',
      model: 'default',
      dataset: { sample: 'first-names' },
      method: { type: 'lora', r: 8 },
    });
  });

  it('skips continual runs and configs without a dataset, and is null when nothing fits', () => {
    const continual = run(5, {
      protocol: 'continual',
      model: 'default',
      tasks: [],
      method: { type: 'lora' },
    });
    const imported = run(4, { model: 'default', method: { type: 'lora' } });
    const older = run(2, single('/m', { path: '/data.csv' }, 'bottleneck'));
    expect(lastChoice([continual, imported, older])?.runId).toBe(2);
    expect(lastChoice([continual, imported])).toBeNull();
    expect(lastChoice([])).toBeNull();
  });
});
