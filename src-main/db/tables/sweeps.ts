/** The sweeps and sweep_trials tables (0160-sweeps): bound parameters, JSON columns parsed here and nowhere else. */
import type { Database } from 'better-sqlite3';
import type { SweepConfig, SweepStatus, TrialParams, TrialState } from '../../../src-shared/sweep.ts';

export interface SweepRecord {
  id: number;
  name: string;
  config: SweepConfig;
  status: SweepStatus;
  bestRunId: number | null;
  createdAt: string;
  finishedAt: string | null;
  ownerPid: number | null;
  ownerStarted: string | null;
}

export interface TrialRecord {
  index: number;
  params: TrialParams;
  runId: number | null;
  state: TrialState;
  rungScores: number[];
  score: number | null;
  message: string | null;
}

interface SweepRow {
  id: number;
  name: string;
  config_json: string;
  status: SweepStatus;
  best_run_id: number | null;
  created_at: string;
  finished_at: string | null;
  owner_pid: number | null;
  owner_started: string | null;
}

interface TrialRow {
  idx: number;
  params_json: string;
  run_id: number | null;
  state: TrialState;
  rung_scores_json: string;
  score: number | null;
  message: string | null;
}

const toSweep = (r: SweepRow): SweepRecord => ({
  id: r.id,
  name: r.name,
  config: JSON.parse(r.config_json) as SweepConfig,
  status: r.status,
  bestRunId: r.best_run_id,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  ownerPid: r.owner_pid,
  ownerStarted: r.owner_started,
});

const toTrial = (r: TrialRow): TrialRecord => ({
  index: r.idx,
  params: JSON.parse(r.params_json) as TrialParams,
  runId: r.run_id,
  state: r.state,
  rungScores: JSON.parse(r.rung_scores_json) as number[],
  score: r.score,
  message: r.message,
});

/** Records a sweep and its planned trials (all pending) in one transaction; returns its id. */
export function insertSweep(
  db: Database,
  s: { name: string; config: SweepConfig; createdAt: string },
  trials: readonly TrialParams[],
): number {
  return db.transaction(() => {
    const id = Number(
      db
        .prepare(`INSERT INTO sweeps (name, config_json, status, created_at) VALUES (?, ?, 'running', ?)`)
        .run(s.name, JSON.stringify(s.config), s.createdAt).lastInsertRowid,
    );
    const add = db.prepare(
      `INSERT INTO sweep_trials (sweep_id, idx, params_json, state) VALUES (?, ?, ?, 'pending')`,
    );
    trials.forEach((t, i) => add.run(id, i, JSON.stringify(t)));
    return id;
  })();
}

export function getSweep(db: Database, id: number): SweepRecord | undefined {
  const row = db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
  return row && toSweep(row);
}

/** The sweeps of their own (a shoot-out lists its sweeps itself). */
export function listSweeps(db: Database): SweepRecord[] {
  return (
    db.prepare('SELECT * FROM sweeps WHERE shootout_id IS NULL ORDER BY id DESC').all() as SweepRow[]
  ).map(toSweep);
}

export function sweepTrials(db: Database, sweepId: number): TrialRecord[] {
  return (
    db.prepare('SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY idx').all(sweepId) as TrialRow[]
  ).map(toTrial);
}

export function updateSweep(
  db: Database,
  id: number,
  patch: Partial<Pick<SweepRecord, 'status' | 'bestRunId' | 'finishedAt' | 'ownerPid' | 'ownerStarted'>>,
): void {
  const cols: Record<string, string> = {
    status: 'status',
    bestRunId: 'best_run_id',
    finishedAt: 'finished_at',
    ownerPid: 'owner_pid',
    ownerStarted: 'owner_started',
  };
  const keys = Object.keys(patch).filter((k) => k in cols);
  if (keys.length === 0) return;
  db.prepare(`UPDATE sweeps SET ${keys.map((k) => `${cols[k]} = @${k}`).join(', ')} WHERE id = @id`).run({
    ...patch,
    id,
  });
}

export function updateTrial(
  db: Database,
  sweepId: number,
  index: number,
  patch: Partial<Pick<TrialRecord, 'runId' | 'state' | 'rungScores' | 'score' | 'message'>>,
): void {
  const columns: Record<string, [string, unknown]> = {
    runId: ['run_id', patch.runId],
    state: ['state', patch.state],
    rungScores: ['rung_scores_json', JSON.stringify(patch.rungScores)],
    score: ['score', patch.score],
    message: ['message', patch.message],
  };
  const keys = Object.keys(columns).filter((k) => k in patch);
  const sets = keys.map((k) => `${columns[k]?.[0]} = @${k}`);
  const values = Object.fromEntries([
    ['sweepId', sweepId],
    ['index', index],
    ...keys.map((k) => [k, columns[k]?.[1] ?? null]),
  ]);
  if (sets.length === 0) return;
  db.prepare(`UPDATE sweep_trials SET ${sets.join(', ')} WHERE sweep_id = @sweepId AND idx = @index`).run(
    values,
  );
}
