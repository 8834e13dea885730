/**
 * Recording a run whose folder was built aside (an imported bundle, an imported Accelerate run, a merge of library
 * adapters): its rows, its adapter artifact and its folder go in together or not at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { insertArtifact } from '../db/tables/artifacts.ts';
import { runDirs } from '../training/run-dirs.ts';
import { releaseOwnership, removeStaleRunDir } from './project-cleanup.ts';

export interface StagedRun {
  /** Writes the run's rows (the run, its final status, its metrics) and returns its id; runs inside the transaction. */
  rows(): number;
  /** The adapter artifact of the run folder's adapter/ (its path is the run's). */
  adapter: { sha256: string; bytes: number; meta: Record<string, unknown> };
  createdAt: string;
}

/**
 * Records `run` with the folder `staging` (holding adapter/ and whatever else the run keeps) as its run folder, and
 * returns the run's id. The folder moves in last, in one rename, inside the transaction: a failed rename rolls the
 * rows back, and a failed commit (a full disk refuses the write-ahead log at COMMIT) takes the folder with the rows.
 * A folder already under the new id has no row: a crash's leftover, never inherited.
 */
export function recordStagedRun(db: Database, projectDir: string, staging: string, run: StagedRun): number {
  let moved: string | null = null;
  try {
    const runId = db.transaction(() => {
      const id = run.rows();
      const dirs = runDirs(id);
      insertArtifact(db, {
        runId: id,
        kind: 'adapter',
        path: dirs.adapter,
        ...run.adapter,
        createdAt: run.createdAt,
      });
      const target = path.join(projectDir, dirs.root);
      removeStaleRunDir(projectDir, id);
      fs.renameSync(staging, target);
      moved = target;
      return id;
    })();
    moved = null;
    releaseOwnership(path.join(projectDir, runDirs(runId).root));
    return runId;
  } catch (err) {
    if (moved) fs.rmSync(moved, { recursive: true, force: true });
    throw err;
  }
}
