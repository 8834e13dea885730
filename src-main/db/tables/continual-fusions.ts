import type { Database } from 'better-sqlite3';

export interface ContinualFusionRow {
  fusion_run_id: number;
  continual_run_id: number;
  task: string;
}

/** A fusion run over a continual run's stage adapters, trained on one of its tasks. */
export interface ContinualFusionLink {
  fusionRunId: number;
  continualRunId: number;
  task: string;
}

export const rowToContinualFusion = (r: ContinualFusionRow): ContinualFusionLink => ({
  fusionRunId: r.fusion_run_id,
  continualRunId: r.continual_run_id,
  task: r.task,
});

export function insertContinualFusion(db: Database, link: ContinualFusionLink): void {
  db.prepare('INSERT INTO continual_fusions (fusion_run_id, continual_run_id, task) VALUES (?, ?, ?)').run(
    link.fusionRunId,
    link.continualRunId,
    link.task,
  );
}

/** The fusions made from continual run `continualRunId`, oldest first. */
export function fusionsOfContinual(db: Database, continualRunId: number): ContinualFusionLink[] {
  return (
    db
      .prepare('SELECT * FROM continual_fusions WHERE continual_run_id = ? ORDER BY fusion_run_id')
      .all(continualRunId) as ContinualFusionRow[]
  ).map(rowToContinualFusion);
}
