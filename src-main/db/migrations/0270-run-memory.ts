import type { Migration } from './types.ts';

/**
 * The training process's peak resident memory (bytes) when a run ends: the shoot-out compares methods on time and
 * memory (issue #19), and a user sizing a run wants to know what the last one took.
 */
export const m0270RunMemory: Migration = {
  version: 270,
  name: 'run-memory',
  up(db) {
    db.exec(`ALTER TABLE runs ADD COLUMN peak_memory_bytes INTEGER;`);
  },
};
