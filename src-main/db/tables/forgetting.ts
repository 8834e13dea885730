import type { Database } from 'better-sqlite3';
import type { ForgettingReport, ForgettingScores } from '../../../src-shared/forgetting.ts';

export interface ForgettingRow {
  run_id: number;
  reference: string;
  reference_hash: string;
  report_json: string;
  scored_at: string;
}

export function rowToForgetting(r: ForgettingRow): ForgettingReport {
  return {
    ...(JSON.parse(r.report_json) as ForgettingScores),
    runId: r.run_id,
    reference: r.reference,
    referenceHash: r.reference_hash,
    scoredAt: r.scored_at,
  };
}

export function forgettingToRow(f: ForgettingReport): ForgettingRow {
  const { runId, reference, referenceHash, scoredAt, ...scores } = f;
  return {
    run_id: runId,
    reference,
    reference_hash: referenceHash,
    report_json: JSON.stringify(scores),
    scored_at: scoredAt,
  };
}

/** Stores a report; one scored earlier on the same reference content is replaced. */
export function saveForgetting(db: Database, f: ForgettingReport): void {
  const r = forgettingToRow(f);
  db.prepare(
    `INSERT INTO forgetting (run_id, reference, reference_hash, report_json, scored_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, reference_hash) DO UPDATE SET
       reference = excluded.reference, report_json = excluded.report_json, scored_at = excluded.scored_at`,
  ).run(r.run_id, r.reference, r.reference_hash, r.report_json, r.scored_at);
}

/** A run's reports, oldest first. */
export function forgettingForRun(db: Database, runId: number): ForgettingReport[] {
  return (
    db
      .prepare('SELECT * FROM forgetting WHERE run_id = ? ORDER BY scored_at, reference')
      .all(runId) as ForgettingRow[]
  ).map(rowToForgetting);
}
