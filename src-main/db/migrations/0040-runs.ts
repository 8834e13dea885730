import type { Migration } from './types.ts';

/** Training runs: config, lifecycle status, timing and parameter counts. */
export const m0040Runs: Migration = {
  version: 40,
  name: 'runs',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id INTEGER REFERENCES datasets (id) ON DELETE RESTRICT,
        base_model_id INTEGER REFERENCES base_models (id) ON DELETE RESTRICT,
        method TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
          ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted', 'diverged')),
        message TEXT,
        step INTEGER NOT NULL DEFAULT 0,
        total_steps INTEGER,
        trainable_params INTEGER,
        total_params INTEGER,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        heartbeat_at TEXT
      ) STRICT;
      CREATE INDEX runs_status ON runs (status);
    `);
  },
};
