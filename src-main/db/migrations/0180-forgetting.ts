import type { Migration } from './types.ts';

/**
 * Forgetting reports (issue #19): a run scored on a reference set before and after training. One row per run and
 * reference content, so scoring the same reference again replaces the report and another reference adds one; the
 * report's numbers are one JSON document (their shape is src-shared/forgetting.ts's), and go with their run.
 */
export const m0180Forgetting: Migration = {
  version: 180,
  name: 'forgetting',
  up(db) {
    db.exec(`
      CREATE TABLE forgetting (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        reference TEXT NOT NULL,
        reference_hash TEXT NOT NULL,
        report_json TEXT NOT NULL,
        scored_at TEXT NOT NULL,
        PRIMARY KEY (run_id, reference_hash)
      ) STRICT;
    `);
  },
};
