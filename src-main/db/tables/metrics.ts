import type { Database } from 'better-sqlite3';

export type MetricSplit = 'train' | 'validation' | 'test' | 'system';

export interface MetricRow {
  run_id: number;
  split: MetricSplit;
  name: string;
  step: number;
  value: number;
}

export interface MetricPoint {
  split: MetricSplit;
  name: string;
  step: number;
  value: number;
}

export const rowToMetric = (r: MetricRow): MetricPoint => ({
  split: r.split,
  name: r.name,
  step: r.step,
  value: r.value,
});

/** Logs a batch of points in one transaction; a re-logged (resumed) step overwrites instead of duplicating. */
export function logMetrics(db: Database, runId: number, points: readonly MetricPoint[]): void {
  const stmt = db.prepare(
    `INSERT INTO metrics (run_id, split, name, step, value) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, split, name, step) DO UPDATE SET value = excluded.value`,
  );
  db.transaction(() => {
    for (const p of points) {
      if (Number.isFinite(p.value)) stmt.run(runId, p.split, p.name, p.step, p.value);
    }
  })();
}

export function metricsForRun(db: Database, runId: number, sinceStep = -1): MetricPoint[] {
  return (
    db
      .prepare('SELECT * FROM metrics WHERE run_id = ? AND step > ? ORDER BY step, split, name')
      .all(runId, sinceStep) as MetricRow[]
  ).map(rowToMetric);
}

/** The latest value of every validation metric of a run. */
export function finalMetrics(db: Database, runId: number): Record<string, number> {
  const rows = db
    .prepare(
      `SELECT m.name, m.value FROM metrics m
       JOIN (SELECT name, max(step) AS step FROM metrics WHERE run_id = ? AND split = 'validation' GROUP BY name) last
         ON last.name = m.name AND last.step = m.step
       WHERE m.run_id = ? AND m.split = 'validation'`,
    )
    .all(runId, runId) as { name: string; value: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}
