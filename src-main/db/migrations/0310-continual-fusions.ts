import type { Migration } from './types.ts';

/**
 * Fusions over a continual run's stage adapters (issue #15: "the Continual page can add a fusion over the tasks'
 * adapters"): which fusion run was made from which continual run, and the task it was trained on, so the page
 * shows each fusion under its sequence. A row goes with either run.
 */
export const m0310ContinualFusions: Migration = {
  version: 310,
  name: 'continual-fusions',
  up(db) {
    db.exec(`
      CREATE TABLE continual_fusions (
        fusion_run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        continual_run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        task TEXT NOT NULL
      ) STRICT;
      CREATE INDEX continual_fusions_by_continual ON continual_fusions (continual_run_id);
    `);
  },
};
