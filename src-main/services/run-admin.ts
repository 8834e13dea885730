/**
 * What a user does to a run besides training it: rename, notes, tags and delete. Shared by the studio's handlers
 * and the `studio runs` commands, so both refuse the same things with the same words.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { runTagSchema } from '../../src-shared/run-manage.ts';
import { setRunTags, tagsForRun } from '../db/tables/run-tags.ts';
import { deleteRunRow, getRun, updateRunText } from '../db/tables/runs.ts';
import type { RunRecord } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { runDirs } from '../training/run-dirs.ts';
import { markStaleRunsInterrupted } from './training.ts';

/** Statuses of a run whose process may still be training it. */
const TRAINING = new Set(['queued', 'running', 'paused']);

function existing(db: Database, runId: number): RunRecord {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`run ${runId}: no such run in this project`);
  return run;
}

export function renameRun(db: Database, runId: number, name: string): void {
  existing(db, runId);
  const trimmed = name.trim();
  if (!trimmed) throw new UserError('a run needs a name');
  updateRunText(db, runId, { name: trimmed });
}

export function setRunNotes(db: Database, runId: number, notes: string): void {
  existing(db, runId);
  updateRunText(db, runId, { notes });
}

/** Replaces a run's tags (each checked as the UI's form checks it); returns them as stored. */
export function setTags(db: Database, runId: number, tags: readonly string[]): string[] {
  existing(db, runId);
  const clean = tags.map((t) => {
    const parsed = runTagSchema.safeParse(t);
    if (!parsed.success) throw new UserError(`tag "${t.slice(0, 40)}": ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  });
  setRunTags(db, runId, [...new Set(clean)]);
  return tagsForRun(db, runId);
}

/**
 * Deletes a run: its rows (metrics, artifacts and tags go with the run row) and its artifacts folder. Refused
 * while the run trains: in this studio (`isActive`) or in another process that is still alive.
 */
export function deleteRun(
  db: Database,
  projectDir: string,
  runId: number,
  isActive: (runId: number) => boolean = () => false,
): void {
  // A run whose process died is interrupted, and may go; one still owned by a live process may not.
  markStaleRunsInterrupted(db);
  const run = existing(db, runId);
  if (isActive(runId) || TRAINING.has(run.status))
    throw new UserError(
      `run ${runId} is ${run.status === 'queued' ? 'about to train' : run.status}: cancel it before deleting it`,
    );
  deleteRunRow(db, runId);
  // The row goes first: a crash before the folder is removed leaves a folder without a row, which the project's
  // cleanup removes when it next opens (export/project-cleanup.ts).
  fs.rmSync(path.join(projectDir, runDirs(runId).root), { recursive: true, force: true });
}
