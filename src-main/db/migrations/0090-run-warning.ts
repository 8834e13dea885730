import type { Migration } from './types.ts';

/**
 * A warning on a run that ended without error but should not be trusted as it is (e.g. its loss rose far above
 * where it started): shown in the runs list and on the run page, apart from the error `message`.
 */
export const m0090RunWarning: Migration = {
  version: 90,
  name: 'run-warning',
  up(db) {
    db.exec(`ALTER TABLE runs ADD COLUMN warning TEXT;`);
  },
};
