/**
 * The sweep driver against a launcher that plays the training process: each trial reports its validation accuracy
 * at the steps its config asks (`train.evalAt`, then the end), the way the supervisor records them, so the rung
 * decisions, the best trial, an interruption and a cancel are checked without training anything.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/open.ts';
import { tagsForRun } from '../../../src-main/db/tables/run-tags.ts';
import { createSweep, sweepViews } from '../../../src-main/experiments/sweeps.ts';
import { BEST_TAG, SweepRunner } from '../../../src-main/experiments/sweep-runner.ts';
import { sweepConfigSchema } from '../../../src-shared/sweep.ts';
import type { SweepConfigInput } from '../../../src-shared/sweep.ts';
import { FakeLauncher } from '../../helpers/fake-launcher.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-sweep-runner-');
afterAll(() => tmp.cleanup());
let n = 0;
const freshDb = () => openDatabase(path.join(tmp.dir, `studio-${++n}.db`));

const LRS = [1e-5, 1e-2, 3e-4, 1e-3, 3e-5, 3e-3];
const config = (over: Partial<SweepConfigInput> = {}) =>
  sweepConfigSchema.parse({
    project: tmp.dir,
    name: 'lr',
    base: { model: 'default', dataset: { sample: 'spam-assassin' }, method: { type: 'lora' } },
    space: { 'train.lr': LRS },
    ...over,
  });

describe('a sweep run by SweepRunner', () => {
  it('stops trials that fall behind at a rung, marks the best completed trial, and tags every run', async () => {
    const db = freshDb();
    const launcher = new FakeLauncher(db);
    const id = createSweep(db, config());
    expect(await new SweepRunner(db, id, launcher).run()).toBe('completed');
    const [view] = sweepViews(db);
    expect(view?.status).toBe('completed');
    const trials = view?.trials ?? [];
    expect(trials.map((t) => t.params['train.lr'])).toEqual(LRS);
    // 1e-3 is the best: it trains to the end and is marked.
    const best = trials.find((t) => t.params['train.lr'] === 1e-3);
    expect(best?.state).toBe('completed');
    expect(view?.bestRunId).toBe(best?.runId);
    expect(tagsForRun(db, best?.runId ?? 0)).toEqual([BEST_TAG, `sweep ${id}`]);
    // Halving stopped some trials early (each with the reason), and no stopped trial trained to the end.
    const stopped = trials.filter((t) => t.state === 'stopped');
    expect(stopped.length).toBeGreaterThan(0);
    for (const t of stopped) {
      expect(t.message).toMatch(/stopped early at rung/);
      expect(t.runStatus).toBe('cancelled');
    }
    for (const t of trials) expect(tagsForRun(db, t.runId ?? 0)).toContain(`sweep ${id}`);
    // Without halving every trial completes.
    const db2 = freshDb();
    const all = createSweep(db2, config({ halving: null }));
    await new SweepRunner(db2, all, new FakeLauncher(db2)).run();
    expect(sweepViews(db2)[0]?.trials.every((t) => t.state === 'completed')).toBe(true);
  });

  it('survives being cut off: done trials stay done, the cut-off trial resumes its run, the rest start', async () => {
    const db = freshDb();
    const launcher = new FakeLauncher(db, new Set(['#3 ']));
    const id = createSweep(db, config({ halving: null }));
    expect(await new SweepRunner(db, id, launcher).run()).toBe('interrupted');
    let view = sweepViews(db)[0];
    expect(view?.status).toBe('interrupted');
    expect(view?.trials.map((t) => t.state)).toEqual([
      'completed',
      'completed',
      'running',
      'pending',
      'pending',
      'pending',
    ]);
    const cutRun = view?.trials[2]?.runId;

    const again = new FakeLauncher(db);
    expect(await new SweepRunner(db, id, again).run()).toBe('completed');
    view = sweepViews(db)[0];
    expect(again.resumed).toEqual([cutRun]);
    expect(again.started).toHaveLength(3);
    expect(view?.trials[2]?.runId).toBe(cutRun);
    expect(view?.trials.every((t) => t.state === 'completed')).toBe(true);
    expect(view?.trials.find((t) => t.runId === view?.bestRunId)?.params['train.lr']).toBe(1e-3);
  });

  it('a trial the pre-flight refuses fails with its reason; the others run; cancel stops the sweep', async () => {
    const db = freshDb();
    const id = createSweep(db, config({ halving: null }));
    const runner = new SweepRunner(db, id, new FakeLauncher(db, new Set(), new Set(['#2 '])), () => {
      const t = sweepViews(db)[0]?.trials;
      if (t?.[3]?.state === 'running') runner.cancel();
    });
    expect(await runner.run()).toBe('cancelled');
    const trials = sweepViews(db)[0]?.trials ?? [];
    expect(trials[1]).toMatchObject({ state: 'failed', message: 'refused #2 : too big', runId: null });
    expect(trials.map((t) => t.state)).toEqual([
      'completed',
      'failed',
      'completed',
      'stopped',
      'pending',
      'pending',
    ]);
  });

  it('refuses a sweep with a trial the method cannot take, writing nothing', () => {
    const db = freshDb();
    expect(() => createSweep(db, config({ space: { 'method.r': [4, 0] } }))).toThrow(
      /^trial 2 \(r=0\): Rank r/,
    );
    expect(sweepViews(db)).toEqual([]);
  });
});
