import type { Migration } from './types.ts';

/** Scalar metrics per run and step; one row per (run, split, name, step) so a resumed run cannot double-log. */
export const m0050Metrics: Migration = {
  version: 50,
  name: 'metrics',
  up(db) {
    db.exec(`
      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test', 'system')),
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, split, name, step)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
