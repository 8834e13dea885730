import type { Migration } from './types.ts';

/** The project's own identity: one row, so a folder always knows which project it is. */
export const m0010Projects: Migration = {
  version: 10,
  name: 'projects',
  up(db) {
    db.exec(`
      CREATE TABLE projects (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
