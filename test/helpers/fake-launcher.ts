/** A TrialLauncher that plays the training process, for the sweep and shoot-out tests (no engine, no worker). */
import { EventEmitter } from 'node:events';
import type { Database } from 'better-sqlite3';
import { logMetrics } from '../../src-main/db/tables/metrics.ts';
import type { MetricPoint } from '../../src-main/db/tables/metrics.ts';
import { getRun, insertRun, updateRunStatus } from '../../src-main/db/tables/runs.ts';
import type { TrialLauncher } from '../../src-main/experiments/sweep-runner.ts';
import { UserError } from '../../src-main/errors.ts';
import { evalStepsAt } from '../../src-main/training/eval-steps.ts';
import type { FromWorker } from '../../src-main/training/protocol.ts';
import type { RunOutcome, SupervisedRun } from '../../src-main/training/supervisor.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';

export const TOTAL = 27;
/** Trainable parameters of each method's fake runs, of 1,000,000. */
export const FAKE_PARAMS: Record<string, number> = { head: 1_000, lora: 20_000, full: 1_000_000 };
/** Accuracy peaks at lr 1e-3 and grows with the steps trained. */
export const accuracy = (c: TrainConfig, step: number) =>
  (1 - Math.abs(Math.log10(c.train.lr) + 3) / 3) * (0.5 + step / (2 * TOTAL));

export class FakeLauncher implements TrialLauncher {
  started: number[] = [];
  resumed: number[] = [];
  /** Trial names (by "#k") to cut off after their first evaluation, once. */
  constructor(
    private readonly db: Database,
    private readonly cutOff = new Set<string>(),
    private readonly refuse = new Set<string>(),
    /** The validation accuracy a trial reports at a step. */
    private readonly scoreOf: (c: TrainConfig, step: number) => number = accuracy,
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
      updateRunStatus(this.db, runId, {
        status: 'running',
        startedAt: new Date().toISOString(),
        trainableParams: FAKE_PARAMS[config.method.type] ?? 10_000,
        totalParams: 1_000_000,
      });
      await Promise.resolve();
      onMessage({ type: 'started', totalSteps: TOTAL } as FromWorker);
      for (const step of evals) {
        await new Promise((r) => setTimeout(r, 1));
        if (cancelled) {
          updateRunStatus(this.db, runId, { status: 'cancelled' });
          return { status: 'cancelled' };
        }
        const points: MetricPoint[] = [
          { split: 'validation', name: 'accuracy', step, value: this.scoreOf(config, step) },
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
      // A made-up high-water mark that grows with the trainable parameters, as a real run's does.
      const peakMemoryBytes = 50e6 + 100 * (FAKE_PARAMS[config.method.type] ?? 10_000) + runId;
      updateRunStatus(this.db, runId, {
        status: 'completed',
        finishedAt: new Date().toISOString(),
        peakMemoryBytes,
      });
      return { status: 'completed' };
    })();
    return {
      runId,
      child: child as never,
      send: (cmd) => {
        if (cmd.type === 'cancel') cancelled = true;
      },
      done,
      // The fake records its outcome and ends in the same moment.
      recorded: done,
    };
  }
}
