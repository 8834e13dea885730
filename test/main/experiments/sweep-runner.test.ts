/**
 * The sweep driver against a launcher that plays the training process: each trial reports its validation accuracy
 * at the steps its config asks (`train.evalAt`, then the end), the way the supervisor records them, so the rung
 * decisions, the best trial, an interruption and a cancel are checked without training anything.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/open.ts';
import { logMetrics } from '../../../src-main/db/tables/metrics.ts';
import type { MetricPoint } from '../../../src-main/db/tables/metrics.ts';
import { tagsForRun } from '../../../src-main/db/tables/run-tags.ts';
import { getRun, insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { createSweep, sweepViews } from '../../../src-main/experiments/sweeps.ts';
import { BEST_TAG, SweepRunner } from '../../../src-main/experiments/sweep-runner.ts';
import type { TrialLauncher } from '../../../src-main/experiments/sweep-runner.ts';
import { UserError } from '../../../src-main/errors.ts';
import { evalStepsAt } from '../../../src-main/training/eval-steps.ts';
import type { FromWorker } from '../../../src-main/training/protocol.ts';
import type { RunOutcome, SupervisedRun } from '../../../src-main/training/supervisor.ts';
import { sweepConfigSchema } from '../../../src-shared/sweep.ts';
import type { SweepConfigInput } from '../../../src-shared/sweep.ts';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-sweep-runner-');
afterAll(() => tmp.cleanup());
let n = 0;
const freshDb = () => openDatabase(path.join(tmp.dir, `studio-${++n}.db`));

const TOTAL = 27;
/** Accuracy peaks at lr 1e-3 and grows with the steps trained. */
const accuracy = (c: TrainConfig, step: number) =>
  (1 - Math.abs(Math.log10(c.train.lr) + 3) / 3) * (0.5 + step / (2 * TOTAL));

class FakeLauncher implements TrialLauncher {
  started: number[] = [];
  resumed: number[] = [];
  /** Trial names (by "#k") to cut off after their first evaluation, once. */
  constructor(
    private readonly db: Database,
    private readonly cutOff = new Set<string>(),
    private readonly refuse = new Set<string>(),
  ) {}

  async preflight(config: TrainConfig): Promise<void> {
    for (const k of this.refuse) if (config.name?.includes(k)) throw new UserError(`refused ${k}: too big`);
  }

  start(config: TrainConfig, onMessage: (m: FromWorker) => void): SupervisedRun {
    const runId = insertRun(this.db, {
      name: config.name ?? 'trial',
      datasetId: null,
      baseModelId: null,
      method: config.method.type,
      config: config as unknown as Record<string, unknown>,
      createdAt: new Date().toISOString(),
    });
    this.started.push(runId);
    return this.#drive(runId, config, onMessage, 0);
  }

  resume(runId: number, onMessage: (m: FromWorker) => void): SupervisedRun {
    this.resumed.push(runId);
    const config = getRun(this.db, runId)?.config as unknown as TrainConfig;
    const from = Math.max(0, ...this.#steps(runId));
    return this.#drive(runId, config, onMessage, from);
  }

  #steps = (runId: number) =>
    (this.db.prepare('SELECT step FROM metrics WHERE run_id = ?').all(runId) as { step: number }[]).map(
      (r) => r.step,
    );

  #drive(
    runId: number,
    config: TrainConfig,
    onMessage: (m: FromWorker) => void,
    from: number,
  ): SupervisedRun {
    let cancelled = false;
    const child = new EventEmitter();
    const evals = [...evalStepsAt(config.train.evalAt ?? [], TOTAL), TOTAL].filter((s) => s > from);
    const done = (async (): Promise<RunOutcome> => {
      updateRunStatus(this.db, runId, { status: 'running' });
      await Promise.resolve();
      onMessage({ type: 'started', totalSteps: TOTAL } as FromWorker);
      for (const step of evals) {
        await new Promise((r) => setTimeout(r, 1));
        if (cancelled) {
          updateRunStatus(this.db, runId, { status: 'cancelled' });
          return { status: 'cancelled' };
        }
        const points: MetricPoint[] = [
          { split: 'validation', name: 'accuracy', step, value: accuracy(config, step) },
        ];
        logMetrics(this.db, runId, points);
        onMessage({ type: 'metrics', points });
        const name = config.name ?? '';
        const cut = [...this.cutOff].find((k) => name.includes(k));
        if (cut) {
          this.cutOff.delete(cut);
          updateRunStatus(this.db, runId, { status: 'interrupted' });
          return { status: 'interrupted', message: 'killed' };
        }
      }
      updateRunStatus(this.db, runId, { status: 'completed' });
      return { status: 'completed' };
    })();
    return {
      runId,
      child: child as never,
      send: (cmd) => {
        if (cmd.type === 'cancel') cancelled = true;
      },
      done,
    };
  }
}

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
