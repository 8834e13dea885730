import type { Migration } from './types.ts';

/** Files a run produced (checkpoints, adapters, exports) with their checksums, relative to the project folder. */
export const m0060Artifacts: Migration = {
  version: 60,
  name: 'artifacts',
  up(db) {
    db.exec(`
      CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        meta_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX artifacts_run ON artifacts (run_id);
    `);
  },
};
