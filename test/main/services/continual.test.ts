import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelInfo } from '../../../src-main/models/info.ts';
import { retentionFromPoints, retentionPoints } from '../../../src-main/training/retention.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { handlers, dir: tmpDir } = serviceTestContext('studio-continual-svc-');

const dataset = (name: string) => ({ path: path.join(OWN_FIXTURES_DIR, `datasets/continual-${name}.csv`) });

describe('retention matrix as metric points', () => {
  it('round-trips rows, keeps null cells empty and ignores other metrics', () => {
    const tasks = ['a', 'b/c'];
    const points = [
      ...retentionPoints(tasks, 'accuracy', 0, [0.9, null], [0, null]),
      ...retentionPoints(tasks, 'accuracy', 1, [0.5, 0.8], [1.5, 0]),
      { name: 'loss', step: 0, value: 3 },
    ];
    expect(retentionFromPoints(tasks, points)).toEqual({
      tasks,
      metric: 'accuracy',
      matrix: [
        [0.9, null],
        [0.5, 0.8],
      ],
      change: [
        [0, null],
        [1.5, 0],
      ],
    });
  });
});

describe('continual runs from the UI (continual:start / continual:list)', () => {
  it('trains the tasks in a training process and lists the retention matrix, earlier task unchanged with LoRA', async () => {
    const project = await handlers['projects:create']({ name: 'cont', parentDir: tmpDir });
    const { runId } = await handlers['continual:start']({
      config: {
        project: project.path,
        model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
        tasks: [
          { name: 'sentiment', dataset: dataset('sentiment') },
          { name: 'topic', dataset: dataset('topic') },
        ],
        method: { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false },
        train: { ...defaults, epochs: 2, batchSize: 8, lr: 0.01, maxLength: 16, dropout: false },
      },
    });
    const deadline = Date.now() + 240_000;
    let views = await handlers['continual:list']({ project: project.path });
    while (views[0]?.run.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      views = await handlers['continual:list']({ project: project.path });
    }
    const view = views.find((v) => v.run.id === runId);
    expect(view?.run.status, view?.run.message ?? '').toBe('completed');
    expect(view?.tasks).toEqual(['sentiment', 'topic']);
    expect(view?.metric).toBe('accuracy');
    expect(view?.matrix).toHaveLength(2);
    expect(view?.matrix[0]?.[1]).toBeNull();
    expect(view?.matrix[1]?.[0]).toBe(view?.matrix[0]?.[0]);
    expect(view?.change[1]?.[0]).toBe(0);
    expect(view?.run.finalMetrics).toEqual({});

    // Issue #21: "Trainable — of —" and every stage drawn over steps 1..N of the same axis.
    expect(view?.run.totalParams).toBe(modelInfo(path.join(HF_TINY_DIR, 'bert-seqcls/base')).parameters);
    expect(view?.run.trainableParams).toBeGreaterThan(0);
    const series = await handlers['runs:metrics']({ project: project.path, runId, sinceStep: -1 });
    const loss = series.find((x) => x.split === 'train' && x.name === 'loss');
    const stages = series.find((x) => x.split === 'system' && x.name === 'stage');
    const steps = loss?.steps ?? [];
    // One step axis for the run: stage 2 continues after stage 1's last step, no step twice.
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps).toEqual(steps.map((_, i) => i + 1));
    expect(stages?.values).toEqual([1, 2]);
    const second = stages?.steps[1] ?? 0;
    expect(stages?.steps[0]).toBe(0);
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThan(steps.length);
    expect(view?.run.totalSteps).toBe(steps.length);
  }, 300_000);

  it('refuses a bad dataset before any run is recorded, naming the file', async () => {
    const project = await handlers['projects:create']({ name: 'cont-bad', parentDir: tmpDir });
    await expect(
      handlers['continual:start']({
        config: {
          project: project.path,
          model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
          tasks: [
            { name: 'a', dataset: dataset('sentiment') },
            { name: 'b', dataset: { path: path.join(tmpDir, 'missing.csv') } },
          ],
          method: { type: 'full' },
          train: defaults,
        },
      }),
    ).rejects.toThrow(/missing\.csv/);
    expect(await handlers['continual:list']({ project: project.path })).toEqual([]);
  });
});

const defaults = {
  epochs: 1,
  batchSize: 8,
  lr: 0.001,
  maxLength: 16,
  seed: 0,
  warmupRatio: 0,
  schedule: 'linear' as const,
  gradClip: 1,
  gradAccumulation: 1,
  evalEvery: 0,
  weightDecay: 0,
  dropout: false,
};
