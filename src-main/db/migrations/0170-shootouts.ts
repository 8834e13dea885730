import type { Migration } from './types.ts';

/**
 * Method shoot-outs (issue #19): a shoot-out is a set of sweeps (one per method and data fraction), so it only
 * records itself and which sweeps are its own; its trials, runs and resume are the sweeps'.
 */
export const m0170Shootouts: Migration = {
  version: 170,
  name: 'shootouts',
  up(db) {
    db.exec(`
      CREATE TABLE shootouts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        config_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      ALTER TABLE sweeps ADD COLUMN shootout_id INTEGER REFERENCES shootouts (id) ON DELETE CASCADE;
      CREATE INDEX sweeps_shootout ON sweeps (shootout_id);
    `);
  },
};
