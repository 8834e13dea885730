/**
 * Drives a sweep: its trials run one after another as ordinary runs (the same training processes, rows and
 * events as any run), scored at the successive-halving rungs as their validation metrics arrive, stopped early
 * when they fall behind, and the best completed trial marked. Every step is written to the sweep's rows first,
 * so a sweep cut off by a restart continues where it was: done trials stay done, the trial that was training
 * resumes from its run's checkpoint, and the rest start.
 */
import type { Database } from 'better-sqlite3';
import type { SweepStatus, TrialParams } from '../../src-shared/sweep.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { currentProcess } from '../app/process-identity.ts';
import { metricsForRun } from '../db/tables/metrics.ts';
import { getRun } from '../db/tables/runs.ts';
import { tagsForRun, setRunTags } from '../db/tables/run-tags.ts';
import { getSweep, sweepTrials, updateSweep, updateTrial } from '../db/tables/sweeps.ts';
import type { SweepRecord, TrialRecord } from '../db/tables/sweeps.ts';
import { describeUserFacing } from '../errors.ts';
import { evalStepsAt } from '../training/eval-steps.ts';
import type { FromWorker } from '../training/protocol.ts';
import type { SupervisedRun } from '../training/supervisor.ts';
import { bestTrial, keepsGoing, lowerIsBetter, rungFraction, trialConfig } from './plan.ts';

/** How trials start: the studio's RunManager and engine process, or the CLI's own supervisor and engine. */
export interface TrialLauncher {
  /** The engine's pre-flight of a trial (sizes, memory); throws a one-line error when it cannot run. */
  preflight(config: TrainConfig): Promise<void>;
  start(config: TrainConfig, onMessage: (m: FromWorker) => void): SupervisedRun;
  resume(runId: number, onMessage: (m: FromWorker) => void): SupervisedRun;
}

/** Tags of a sweep's runs, so the runs list and Compare can show one sweep's trials together. */
export const sweepTag = (s: Pick<SweepRecord, 'id'>) => `sweep ${s.id}`;
export const BEST_TAG = 'best trial';

/** A trial's train config: its values, with evaluations at the rungs where the sweep halves. */
export function runnableTrial(sweep: SweepRecord, t: Pick<TrialRecord, 'index' | 'params'>): TrainConfig {
  const config = trialConfig(sweep.config, t.params, t.index, sweep.name);
  const h = sweep.config.halving;
  if (!h) return config;
  const evalAt = Array.from({ length: h.rungs }, (_, k) => rungFraction(k, h));
  return { ...config, train: { ...config.train, evalAt } };
}

/** The best value of `metric` a run recorded on its validation split (null when none). */
function runScore(db: Database, runId: number, metric: string): number | null {
  const lower = lowerIsBetter(metric);
  const values = metricsForRun(db, runId)
    .filter((p) => p.split === 'validation' && p.name === metric)
    .map((p) => p.value);
  if (values.length === 0) return null;
  return lower ? Math.min(...values) : Math.max(...values);
}

export class SweepRunner {
  #current: SupervisedRun | null = null;
  #cancelled = false;

  constructor(
    private readonly db: Database,
    readonly sweepId: number,
    private readonly launcher: TrialLauncher,
    /** Called after every change of the sweep's rows (the UI's event). */
    private readonly onChange: () => void = () => {},
  ) {}

  get #sweep(): SweepRecord {
    const s = getSweep(this.db, this.sweepId);
    if (!s) throw new Error(`sweep ${this.sweepId} is gone`);
    return s;
  }

  /** Stops the trial that trains (it keeps its checkpoint) and starts no other: the sweep ends cancelled. */
  cancel(): void {
    this.#cancelled = true;
    this.#current?.send({ type: 'cancel' });
  }

  /** Runs every trial not yet done; resolves with how the sweep ended (`interrupted` if a trial was cut off). */
  async run(): Promise<SweepStatus> {
    const owner = currentProcess();
    updateSweep(this.db, this.sweepId, {
      status: 'running',
      finishedAt: null,
      ownerPid: owner.pid,
      ownerStarted: owner.started,
    });
    this.onChange();
    for (const trial of sweepTrials(this.db, this.sweepId)) {
      if (this.#cancelled) break;
      if (trial.state !== 'pending' && trial.state !== 'running') continue;
      const ended = await this.#runTrial(trial);
      this.onChange();
      if (ended === 'interrupted') return this.#end('interrupted');
    }
    return this.#end(this.#cancelled ? 'cancelled' : 'completed');
  }

  #end(status: SweepStatus): SweepStatus {
    const sweep = this.#sweep;
    const trials = sweepTrials(this.db, this.sweepId);
    const lower = lowerIsBetter(sweep.config.metric);
    // Only trials that trained to the end compete: a stopped one was scored on fewer steps.
    const best = bestTrial(
      trials.map((t) => (t.state === 'completed' ? t.score : null)),
      lower,
    );
    const bestRunId = best === null ? null : (trials[best]?.runId ?? null);
    for (const t of trials)
      if (t.runId !== null && getRun(this.db, t.runId)) {
        const tags = tagsForRun(this.db, t.runId).filter((x) => x !== BEST_TAG);
        setRunTags(this.db, t.runId, t.runId === bestRunId ? [...tags, BEST_TAG] : tags);
      }
    updateSweep(this.db, this.sweepId, {
      status,
      bestRunId,
      finishedAt: status === 'interrupted' ? null : new Date().toISOString(),
      ...(status === 'interrupted' ? {} : { ownerPid: null, ownerStarted: null }),
    });
    this.onChange();
    return status;
  }

  async #runTrial(trial: TrialRecord): Promise<'done' | 'interrupted'> {
    const sweep = this.#sweep;
    const { metric, halving } = sweep.config;
    const lower = lowerIsBetter(metric);
    const existing = trial.runId === null ? undefined : getRun(this.db, trial.runId);
    if (existing && existing.status !== 'interrupted' && existing.status !== 'paused') {
      // It ended while no one was watching (this process died as the run finished): record how.
      return this.#finish(
        trial,
        existing.id,
        existing.status === 'completed' ? 'completed' : 'stopped',
        null,
      );
    }
    let config: TrainConfig;
    try {
      config = runnableTrial(sweep, trial);
      if (!existing) await this.launcher.preflight(config);
    } catch (err) {
      updateTrial(this.db, this.sweepId, trial.index, { state: 'failed', message: oneLine(err) });
      return 'done';
    }
    const rungScores = [...trial.rungScores];
    let rungSteps: number[] = [];
    let stoppedEarly = false;
    const onMessage = (m: FromWorker) => {
      if (m.type === 'started' && halving)
        rungSteps = [
          ...evalStepsAt(
            Array.from({ length: halving.rungs }, (_, k) => rungFraction(k, halving)),
            m.totalSteps,
          ),
        ];
      if (m.type !== 'metrics' || !halving || stoppedEarly) return;
      const point = m.points.find((p) => p.split === 'validation' && p.name === metric);
      const k = rungScores.length;
      if (!point || k >= rungSteps.length || point.step < (rungSteps[k] ?? Infinity)) return;
      rungScores.push(point.value);
      const earlier = sweepTrials(this.db, this.sweepId)
        .filter((t) => t.index !== trial.index && t.rungScores.length > k)
        .map((t) => t.rungScores[k] as number);
      updateTrial(this.db, this.sweepId, trial.index, { rungScores });
      if (!keepsGoing(point.value, earlier, halving.eta, lower)) {
        stoppedEarly = true;
        updateTrial(this.db, this.sweepId, trial.index, {
          message: `stopped early at rung ${k + 1}: ${metric} ${point.value.toFixed(4)} is not in the best 1/${halving.eta} of ${earlier.length + 1}`,
        });
        this.#current?.send({ type: 'cancel' });
      }
      this.onChange();
    };
    let run: SupervisedRun;
    try {
      run = existing ? this.launcher.resume(existing.id, onMessage) : this.launcher.start(config, onMessage);
    } catch (err) {
      updateTrial(this.db, this.sweepId, trial.index, { state: 'failed', message: oneLine(err) });
      return 'done';
    }
    this.#current = run;
    if (!existing) {
      updateTrial(this.db, this.sweepId, trial.index, { runId: run.runId, state: 'running' });
      setRunTags(this.db, run.runId, [sweepTag(sweep)]);
    }
    this.onChange();
    const outcome = await run.done;
    this.#current = null;
    if (outcome.status === 'interrupted') return 'interrupted';
    const state =
      stoppedEarly || outcome.status === 'cancelled'
        ? 'stopped'
        : outcome.status === 'completed'
          ? 'completed'
          : 'failed';
    return this.#finish(
      trial,
      run.runId,
      state,
      outcome.status === 'failed' ? (outcome.message ?? null) : null,
    );
  }

  #finish(
    trial: TrialRecord,
    runId: number,
    state: 'completed' | 'stopped' | 'failed',
    message: string | null,
  ): 'done' {
    updateTrial(this.db, this.sweepId, trial.index, {
      state,
      score: runScore(this.db, runId, this.#sweep.config.metric),
      ...(message ? { message } : {}),
    });
    return 'done';
  }
}

const oneLine = (err: unknown) =>
  describeUserFacing(err) ?? (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'failed';

export type { TrialParams };
