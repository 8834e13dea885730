import { describe, expect, it } from 'vitest';
import type { AdapterEntry } from '../../src-shared/library.ts';
import { groupByModel } from '../../src-renderer/lib/adapter-groups.ts';

const a = (runId: number, model: string): AdapterEntry => ({
  runId,
  name: `run ${runId}`,
  method: 'lora',
  model,
  dataset: 'x.csv',
  metric: null,
  trainablePercent: null,
  bytes: null,
  labels: [],
  finishedAt: null,
});

describe('groupByModel', () => {
  it('groups adapters by their base, keeping the order they came in (newest first)', () => {
    expect(groupByModel([a(5, 'default'), a(4, '/m'), a(3, 'default')])).toEqual([
      { model: 'default', adapters: [a(5, 'default'), a(3, 'default')] },
      { model: '/m', adapters: [a(4, '/m')] },
    ]);
    expect(groupByModel([])).toEqual([]);
  });
});
