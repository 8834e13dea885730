import type { Migration } from './types.ts';

/** Imported datasets: where they came from, their content hash, columns, labels, stats and splits. */
export const m0020Datasets: Migration = {
  version: 20,
  name: 'datasets',
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('classification', 'regression', 'pair-classification', 'lm', 'image')),
        content_hash TEXT NOT NULL,
        columns_json TEXT NOT NULL,
        labels_json TEXT NOT NULL,
        stats_json TEXT NOT NULL,
        splits_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX datasets_content_hash ON datasets (content_hash);
    `);
  },
};
