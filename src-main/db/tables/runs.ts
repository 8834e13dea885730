import type { Database } from 'better-sqlite3';
import type { RunStatus } from '../../../src-shared/domain.ts';

export type { RunStatus };

export interface RunRow {
  id: number;
  name: string;
  dataset_id: number | null;
  base_model_id: number | null;
  method: string;
  config_json: string;
  status: RunStatus;
  message: string | null;
  warning: string | null;
  step: number;
  total_steps: number | null;
  trainable_params: number | null;
  total_params: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
  owner_pid: number | null;
  owner_started: string | null;
  notes: string;
  peak_memory_bytes: number | null;
}

export interface RunRecord {
  id: number;
  name: string;
  datasetId: number | null;
  baseModelId: number | null;
  method: string;
  config: Record<string, unknown>;
  status: RunStatus;
  message: string | null;
  /** Set when a run ended without error but its result is suspect (e.g. its loss rose far above its start). */
  warning: string | null;
  step: number;
  totalSteps: number | null;
  trainableParams: number | null;
  totalParams: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  /** The process supervising the run while it trains (0080-run-owner). */
  ownerPid: number | null;
  ownerStarted: string | null;
  /** What the user wrote about the run (0110-run-notes-tags). */
  notes: string;
  /** The training process's peak resident memory in bytes, for the run's last (or only) segment (0270-run-memory). */
  peakMemoryBytes: number | null;
}

export const rowToRun = (r: RunRow): RunRecord => ({
  id: r.id,
  name: r.name,
  datasetId: r.dataset_id,
  baseModelId: r.base_model_id,
  method: r.method,
  config: JSON.parse(r.config_json) as Record<string, unknown>,
  status: r.status,
  message: r.message,
  warning: r.warning,
  step: r.step,
  totalSteps: r.total_steps,
  trainableParams: r.trainable_params,
  totalParams: r.total_params,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  heartbeatAt: r.heartbeat_at,
  ownerPid: r.owner_pid,
  ownerStarted: r.owner_started,
  notes: r.notes,
  peakMemoryBytes: r.peak_memory_bytes,
});

export type NewRun = Pick<
  RunRecord,
  'name' | 'datasetId' | 'baseModelId' | 'method' | 'config' | 'createdAt'
>;

export function insertRun(db: Database, r: NewRun): number {
  const info = db
    .prepare(
      `INSERT INTO runs (name, dataset_id, base_model_id, method, config_json, status, created_at)
       VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
    )
    .run(r.name, r.datasetId, r.baseModelId, r.method, JSON.stringify(r.config), r.createdAt);
  return Number(info.lastInsertRowid);
}

export function getRun(db: Database, id: number): RunRecord | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  return row && rowToRun(row);
}

export function listRuns(db: Database): RunRecord[] {
  return (db.prepare('SELECT * FROM runs ORDER BY id DESC').all() as RunRow[]).map(rowToRun);
}

export function countRuns(db: Database): number {
  return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
}

/** Updates the lifecycle columns that change while a run trains. */
export function updateRunStatus(
  db: Database,
  id: number,
  patch: Partial<
    Pick<
      RunRecord,
      | 'status'
      | 'message'
      | 'warning'
      | 'step'
      | 'totalSteps'
      | 'trainableParams'
      | 'totalParams'
      | 'startedAt'
      | 'finishedAt'
      | 'heartbeatAt'
      | 'ownerPid'
      | 'ownerStarted'
      | 'peakMemoryBytes'
    >
  >,
): void {
  const columns: Record<keyof typeof patch, string> = {
    status: 'status',
    message: 'message',
    warning: 'warning',
    step: 'step',
    totalSteps: 'total_steps',
    trainableParams: 'trainable_params',
    totalParams: 'total_params',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
    heartbeatAt: 'heartbeat_at',
    ownerPid: 'owner_pid',
    ownerStarted: 'owner_started',
    peakMemoryBytes: 'peak_memory_bytes',
  };
  const keys = (Object.keys(patch) as (keyof typeof patch)[]).filter((k) => patch[k] !== undefined);
  if (keys.length === 0) return;
  // Column names come from the fixed map above, never from the caller; values are bound.
  const sets = keys.map((k) => `${columns[k]} = @${k}`).join(', ');
  db.prepare(`UPDATE runs SET ${sets} WHERE id = @id`).run({ ...patch, id });
}

/** Renames a run and sets its notes: what the user, not the trainer, writes. */
export function updateRunText(db: Database, id: number, patch: { name?: string; notes?: string }): void {
  if (patch.name !== undefined) db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(patch.name, id);
  if (patch.notes !== undefined) db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(patch.notes, id);
}

/** Deletes a run's row; its metrics, artifacts and tags go with it (ON DELETE CASCADE). */
export function deleteRunRow(db: Database, id: number): boolean {
  return db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
}

/** Marks the given runs interrupted, those still running or paused; returns the ids it changed. */
export function markOrphanedRunsInterrupted(db: Database, ids: readonly number[], message: string): number[] {
  const stmt = db.prepare(
    `UPDATE runs SET status = 'interrupted', message = ? WHERE id = ? AND status IN ('running', 'paused')`,
  );
  return db.transaction(() => ids.filter((id) => stmt.run(message, id).changes > 0))();
}
