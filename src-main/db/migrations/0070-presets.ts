import type { Migration } from './types.ts';

/** New-run presets saved per project: a name and the form's train config (without the project). */
export const m0070Presets: Migration = {
  version: 70,
  name: 'presets',
  up(db) {
    db.exec(`
      CREATE TABLE presets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
