import type { Database } from 'better-sqlite3';

export interface BaseModelRow {
  id: number;
  path: string;
  architecture: string;
  content_hash: string;
  param_count: number;
  info_json: string;
  created_at: string;
}

export interface BaseModelRecord {
  id: number;
  path: string;
  architecture: string;
  contentHash: string;
  paramCount: number;
  info: Record<string, unknown>;
  createdAt: string;
}

export const rowToBaseModel = (r: BaseModelRow): BaseModelRecord => ({
  id: r.id,
  path: r.path,
  architecture: r.architecture,
  contentHash: r.content_hash,
  paramCount: r.param_count,
  info: JSON.parse(r.info_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

export const baseModelToRow = (m: Omit<BaseModelRecord, 'id'>): Omit<BaseModelRow, 'id'> => ({
  path: m.path,
  architecture: m.architecture,
  content_hash: m.contentHash,
  param_count: m.paramCount,
  info_json: JSON.stringify(m.info),
  created_at: m.createdAt,
});

/** Inserts the model, or returns the id of the row already recorded for the same folder and content. */
export function upsertBaseModel(db: Database, m: Omit<BaseModelRecord, 'id'>): number {
  const existing = db
    .prepare('SELECT id FROM base_models WHERE path = ? AND content_hash = ?')
    .get(m.path, m.contentHash) as { id: number } | undefined;
  if (existing) return existing.id;
  const info = db
    .prepare(
      `INSERT INTO base_models (path, architecture, content_hash, param_count, info_json, created_at)
       VALUES (@path, @architecture, @content_hash, @param_count, @info_json, @created_at)`,
    )
    .run(baseModelToRow(m));
  return Number(info.lastInsertRowid);
}

export function listBaseModels(db: Database): BaseModelRecord[] {
  return (db.prepare('SELECT * FROM base_models ORDER BY id').all() as BaseModelRow[]).map(rowToBaseModel);
}

export function countBaseModels(db: Database): number {
  return (db.prepare('SELECT count(*) AS n FROM base_models').get() as { n: number }).n;
}
