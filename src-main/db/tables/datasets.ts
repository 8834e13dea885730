import type { Database } from 'better-sqlite3';

export type DatasetKind = 'classification' | 'regression' | 'pair-classification' | 'lm' | 'image';

export interface DatasetRow {
  id: number;
  name: string;
  source: string;
  kind: DatasetKind;
  content_hash: string;
  columns_json: string;
  labels_json: string;
  stats_json: string;
  splits_json: string;
  created_at: string;
}

export interface DatasetRecord {
  id: number;
  name: string;
  /** A file path or `sample:<name>`. */
  source: string;
  kind: DatasetKind;
  contentHash: string;
  columns: Record<string, string>;
  labels: string[];
  stats: Record<string, unknown>;
  splits: Record<string, unknown>;
  createdAt: string;
}

export function rowToDataset(r: DatasetRow): DatasetRecord {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    kind: r.kind,
    contentHash: r.content_hash,
    columns: JSON.parse(r.columns_json) as Record<string, string>,
    labels: JSON.parse(r.labels_json) as string[],
    stats: JSON.parse(r.stats_json) as Record<string, unknown>,
    splits: JSON.parse(r.splits_json) as Record<string, unknown>,
    createdAt: r.created_at,
  };
}

export function datasetToRow(d: Omit<DatasetRecord, 'id'>): Omit<DatasetRow, 'id'> {
  return {
    name: d.name,
    source: d.source,
    kind: d.kind,
    content_hash: d.contentHash,
    columns_json: JSON.stringify(d.columns),
    labels_json: JSON.stringify(d.labels),
    stats_json: JSON.stringify(d.stats),
    splits_json: JSON.stringify(d.splits),
    created_at: d.createdAt,
  };
}

export function insertDataset(db: Database, d: Omit<DatasetRecord, 'id'>): number {
  const info = db
    .prepare(
      `INSERT INTO datasets (name, source, kind, content_hash, columns_json, labels_json, stats_json, splits_json, created_at)
       VALUES (@name, @source, @kind, @content_hash, @columns_json, @labels_json, @stats_json, @splits_json, @created_at)`,
    )
    .run(datasetToRow(d));
  return Number(info.lastInsertRowid);
}

export function listDatasets(db: Database): DatasetRecord[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[]).map(rowToDataset);
}

export function getDataset(db: Database, id: number): DatasetRecord | undefined {
  const row = db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined;
  return row && rowToDataset(row);
}

export function countDatasets(db: Database): number {
  return (db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number }).n;
}

/** The record of these exact bytes read with this column mapping, so the same data is recorded once. */
export function findDataset(
  db: Database,
  contentHash: string,
  columns: Record<string, string>,
): DatasetRecord | undefined {
  const rows = db
    .prepare('SELECT * FROM datasets WHERE content_hash = ? ORDER BY id')
    .all(contentHash) as DatasetRow[];
  const key = JSON.stringify(Object.entries(columns).sort());
  return rows.map(rowToDataset).find((d) => JSON.stringify(Object.entries(d.columns).sort()) === key);
}

/** How many runs trained on each dataset (absent: none). */
export function runCountsByDataset(db: Database): Map<number, number> {
  const rows = db
    .prepare(
      'SELECT dataset_id AS id, count(*) AS n FROM runs WHERE dataset_id IS NOT NULL GROUP BY dataset_id',
    )
    .all() as { id: number; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

export function updateDatasetStats(db: Database, id: number, stats: Record<string, unknown>): void {
  db.prepare('UPDATE datasets SET stats_json = ? WHERE id = ?').run(JSON.stringify(stats), id);
}

export function deleteDataset(db: Database, id: number): boolean {
  return db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0;
}

/** Records that point at a source (a stored file is removed only when none is left). */
export function countDatasetsWithSource(db: Database, source: string): number {
  return (db.prepare('SELECT count(*) AS n FROM datasets WHERE source = ?').get(source) as { n: number }).n;
}
