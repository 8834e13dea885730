import type { Migration } from './types.ts';

/**
 * Sweeps (issue #19): a sweep and its trials, each trial an ordinary run once it starts. The state lives here, not
 * in the process that drives it, so a sweep survives a restart: `resume` reads which trials are done, which run was
 * cut off (and resumes it from its checkpoint) and which have not started. A deleted run leaves its trial without
 * a run (SET NULL); a deleted sweep takes its trials (CASCADE) but never their runs.
 */
export const m0160Sweeps: Migration = {
  version: 160,
  name: 'sweeps',
  up(db) {
    db.exec(`
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'completed', 'cancelled')),
        best_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        owner_pid INTEGER,
        owner_started TEXT
      ) STRICT;
      CREATE TABLE sweep_trials (
        sweep_id INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        params_json TEXT NOT NULL,
        run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'completed', 'stopped', 'failed')),
        rung_scores_json TEXT NOT NULL DEFAULT '[]',
        score REAL,
        message TEXT,
        PRIMARY KEY (sweep_id, idx)
      ) STRICT;
      CREATE INDEX sweep_trials_run ON sweep_trials (run_id);
    `);
  },
};
