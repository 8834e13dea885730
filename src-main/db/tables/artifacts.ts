import type { Database } from 'better-sqlite3';

export interface ArtifactRow {
  id: number;
  run_id: number | null;
  kind: string;
  path: string;
  sha256: string;
  bytes: number;
  meta_json: string;
  created_at: string;
}

export interface ArtifactRecord {
  id: number;
  runId: number | null;
  /** e.g. 'checkpoint-best', 'checkpoint-last', 'adapter', 'export-peft', 'bundle'. */
  kind: string;
  /** Relative to the project folder, so a moved project keeps working. */
  path: string;
  sha256: string;
  bytes: number;
  meta: Record<string, unknown>;
  createdAt: string;
}

export const rowToArtifact = (r: ArtifactRow): ArtifactRecord => ({
  id: r.id,
  runId: r.run_id,
  kind: r.kind,
  path: r.path,
  sha256: r.sha256,
  bytes: r.bytes,
  meta: JSON.parse(r.meta_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function insertArtifact(db: Database, a: Omit<ArtifactRecord, 'id'>): number {
  const info = db
    .prepare(
      `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, meta_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(a.runId, a.kind, a.path, a.sha256, a.bytes, JSON.stringify(a.meta), a.createdAt);
  return Number(info.lastInsertRowid);
}

export function artifactsForRun(db: Database, runId: number): ArtifactRecord[] {
  return (db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id').all(runId) as ArtifactRow[]).map(
    rowToArtifact,
  );
}

export function countArtifacts(db: Database): number {
  return (db.prepare('SELECT count(*) AS n FROM artifacts').get() as { n: number }).n;
}
