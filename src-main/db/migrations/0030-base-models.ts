import type { Migration } from './types.ts';

/** Base models by folder and content hash: an adapter records which base it was trained on. */
export const m0030BaseModels: Migration = {
  version: 30,
  name: 'base-models',
  up(db) {
    db.exec(`
      CREATE TABLE base_models (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        architecture TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        param_count INTEGER NOT NULL CHECK (param_count >= 0),
        info_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (path, content_hash)
      ) STRICT;
    `);
  },
};
