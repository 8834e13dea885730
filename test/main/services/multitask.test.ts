/**
 * A multi-task run through the handlers the UI calls: it trains two tasks in one run with a head each, records
 * each task's metrics, answers each task in the playground (all, or the one picked), and round-trips through a
 * bundle export and import with identical predictions. The sampling table's shares are checked on their own.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundResult } from '../../../src-shared/library.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { samplingTable, taskShares } from '../../../src-main/training/multitask.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-multitask-svc-');
const FIXTURE = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const data = (f: string) => path.join(OWN_FIXTURES_DIR, 'datasets', f);
const TEXT = 'felt goal story film';
let project = '';

beforeAll(async () => {
  await useTestBackend();
  project = (await handlers['projects:create']({ name: 'multitask', parentDir: tmpDir })).path;
});

describe('task sampling', () => {
  it('shares follow size^(1/T): proportional at T=1, even at large T, the total kept', () => {
    expect(taskShares([300, 100], 1)).toEqual([300, 100]);
    expect(taskShares([300, 100], 100).reduce((a, b) => a + b)).toBe(400);
    const even = taskShares([300, 100], 100);
    expect(Math.abs((even[0] as number) - (even[1] as number))).toBeLessThanOrEqual(6);
    // T = 2: sqrt(300) : sqrt(100) = 1.73 : 1 of 400 slots.
    expect(taskShares([300, 100], 2)).toEqual([254, 146]);
  });

  it('an up-sampled task sees every example before any repeats; the table is seeded', () => {
    const table = samplingTable([300, 100], 2, 7);
    const small = table.filter(([t]) => t === 1).map(([, e]) => e);
    expect(small.length).toBe(146);
    expect(new Set(small.slice(0, 100)).size).toBe(100);
    expect(samplingTable([300, 100], 2, 7)).toEqual(table);
    expect(samplingTable([300, 100], 2, 8)).not.toEqual(table);
  });
});

const tops = (r: PlaygroundResult) => r.columns.filter((c) => c.key !== 'base');

describe('a multi-task run', () => {
  it('trains two tasks with a head each, predicts per task, and round-trips through a bundle', async () => {
    const input: TrainConfigInput = {
      project,
      model: FIXTURE,
      name: 'sentiment + topic',
      dataset: { path: data('continual-sentiment.csv') },
      method: {
        type: 'multitask',
        variant: 'shared-specific',
        firstTask: 'sentiment',
        tasks: [{ name: 'topic', dataset: { path: data('continual-topic.csv') } }],
      },
      train: { epochs: 2, batchSize: 8, lr: 0.01, maxLength: 12, seed: 1, dropout: false },
    };
    const db = ctx.projects.db(project);
    const run = startRun(db, project, trainConfigSchema.parse(input));
    const outcome = await run.done;
    expect(outcome.status, outcome.message).toBe('completed');
    const view = await handlers['runs:get']({ project, runId: run.runId });
    expect(view.method).toBe('multitask');
    for (const t of ['sentiment', 'topic'])
      expect(view.finalMetrics[`accuracy/${t}`]).toBeGreaterThanOrEqual(0);
    expect(view.finalMetrics.accuracy).toBeCloseTo(
      ((view.finalMetrics['accuracy/sentiment'] as number) +
        (view.finalMetrics['accuracy/topic'] as number)) /
        2,
      6,
    );

    const ask = (p: string, runId: number, task?: string) =>
      handlers['playground:predict']({
        project: p,
        model: FIXTURE,
        runIds: [runId],
        text: TEXT,
        ...(task ? { task } : {}),
      });
    const all = tops(await ask(project, run.runId));
    expect(all.map((c) => c.title)).toEqual([
      `#${run.runId} sentiment + topic: sentiment`,
      `#${run.runId} sentiment + topic: topic`,
    ]);
    expect(all[0]?.top?.map((s) => s.label).sort()).toEqual(['negative', 'positive']);
    expect(all[1]?.top?.map((s) => s.label).sort()).toEqual(['cooking', 'sport']);
    const picked = tops(await ask(project, run.runId, 'topic'));
    expect(picked.map((c) => c.top)).toEqual([all[1]?.top]);
    const unknown = tops(await ask(project, run.runId, 'weather'));
    expect(unknown[0]?.note).toMatch(/no task "weather"/);

    const target = (await handlers['projects:create']({ name: 'imported', parentDir: tmpDir })).path;
    const bundle = await handlers['export:run']({
      project,
      runId: run.runId,
      format: 'bundle',
      out: 'exports/mt.zip',
    });
    const imported = await handlers['export:import']({ project: target, bundle: bundle.out });
    const again = tops(await ask(target, imported.runId));
    expect(again.map((c) => c.top)).toEqual(all.map((c) => c.top));
  });
});
