import type { Migration } from './types.ts';

/**
 * What a user writes about a run: free-text notes on the run row, and tags in a table of their own, so the runs
 * list can filter by tag with an index rather than by parsing JSON. A tag goes with its run (ON DELETE CASCADE).
 */
export const m0110RunNotesTags: Migration = {
  version: 110,
  name: 'run-notes-tags',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
      CREATE TABLE run_tags (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) STRICT;
      CREATE INDEX run_tags_tag ON run_tags (tag);
    `);
  },
};
