/** Creating sweeps and reading them back for the Experiments page and `studio sweeps` (main side, no engine). */
import type { Database } from 'better-sqlite3';
import type { SweepConfig, SweepView } from '../../src-shared/sweep.ts';
import { isProcessAlive } from '../app/process-identity.ts';
import { getRun } from '../db/tables/runs.ts';
import { getSweep, insertSweep, listSweeps, sweepTrials } from '../db/tables/sweeps.ts';
import type { SweepRecord } from '../db/tables/sweeps.ts';
import { UserError } from '../errors.ts';
import { lowerIsBetter, planTrials } from './plan.ts';
import { runnableTrial } from './sweep-runner.ts';

const datasetName = (c: SweepConfig) =>
  'sample' in c.base.dataset ? c.base.dataset.sample : (c.base.dataset.path.split(/[\\/]/).at(-1) ?? 'data');

/** Plans the trials and records the sweep; every trial's config is checked first, so a bad one writes nothing. */
export function createSweep(db: Database, config: SweepConfig): number {
  const trials = planTrials(config);
  if (trials.length === 0)
    throw new UserError('the sweep has no trials: give each option at least one value');
  const name = config.name ?? `${config.base.method.type} sweep on ${datasetName(config)}`;
  const probe: SweepRecord = {
    id: 0,
    name,
    config,
    status: 'running',
    bestRunId: null,
    createdAt: '',
    finishedAt: null,
    ownerPid: null,
    ownerStarted: null,
  };
  trials.forEach((params, index) => runnableTrial(probe, { index, params }));
  return insertSweep(db, { name, config, createdAt: new Date().toISOString() }, trials);
}

/** A sweep whose driving process is gone is `interrupted`, whatever its row says (it resumes from there). */
function statusOf(s: SweepRecord): SweepView['status'] {
  if (s.status !== 'running' || s.ownerPid === null) return s.status === 'running' ? 'interrupted' : s.status;
  return isProcessAlive({ pid: s.ownerPid, started: s.ownerStarted }) ? 'running' : 'interrupted';
}

export function sweepView(db: Database, s: SweepRecord): SweepView {
  const trials = sweepTrials(db, s.id).map((t) => ({
    index: t.index,
    params: t.params,
    state: t.state,
    runId: t.runId,
    runStatus: t.runId === null ? null : (getRun(db, t.runId)?.status ?? null),
    rungScores: t.rungScores,
    score: t.score,
    message: t.message,
  }));
  const best = trials.find((t) => t.runId !== null && t.runId === s.bestRunId);
  return {
    id: s.id,
    name: s.name,
    status: statusOf(s),
    metric: s.config.metric,
    lowerIsBetter: lowerIsBetter(s.config.metric),
    createdAt: s.createdAt,
    finishedAt: s.finishedAt,
    bestRunId: s.bestRunId,
    bestTrial: best?.index ?? null,
    trials,
    config: s.config,
  };
}

export const sweepViews = (db: Database): SweepView[] => listSweeps(db).map((s) => sweepView(db, s));

export function sweepById(db: Database, id: number): SweepRecord {
  const s = getSweep(db, id);
  if (!s) throw new UserError(`sweep ${id} does not exist in this project`);
  return s;
}
