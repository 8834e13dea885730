import type { Migration } from './types.ts';

/**
 * Which process supervises a running run (pid + its start time, so a reused pid is not mistaken for it): a run is
 * orphaned exactly when that process is gone, however long its steps take.
 */
export const m0080RunOwner: Migration = {
  version: 80,
  name: 'run-owner',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN owner_started TEXT;
    `);
  },
};
