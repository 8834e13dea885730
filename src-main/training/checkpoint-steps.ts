/**
 * The resume points a run keeps by step (main's side): each `checkpoint-last` the worker reports is also kept as
 * `artifacts/run-N/checkpoints/step-S`, so a user can resume or fork from an earlier moment than the last one.
 * Only the most recent few are kept, so a long full fine-tune does not fill the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { artifactsForRun, insertArtifact } from '../db/tables/artifacts.ts';
import { copyCheckpoint, hasCheckpoint } from './checkpoint.ts';
import { runDirs } from './run-dirs.ts';

/** The artifacts-table kind of a kept step checkpoint. */
export const STEP_CHECKPOINT = 'checkpoint-step';
/** How many step checkpoints a run keeps (the oldest go first). */
export const KEPT_STEP_CHECKPOINTS = 10;

/** A kept resume point, as the run page lists it. */
export interface StepCheckpoint {
  step: number;
  /** Relative to the project folder. */
  path: string;
  createdAt: string;
  bytes: number;
}

/** Where run `runId` keeps its checkpoint of step `step`, relative to the project. */
export const stepCheckpointDir = (runId: number, step: number): string =>
  path.join(runDirs(runId).root, 'checkpoints', `step-${step}`);

const stepOf = (meta: Record<string, unknown>): number | null =>
  typeof meta.step === 'number' && Number.isInteger(meta.step) ? meta.step : null;

/** The run's kept step checkpoints whose folder is still complete, oldest step first. */
export function stepCheckpoints(db: Database, projectDir: string, runId: number): StepCheckpoint[] {
  const byStep = new Map<number, StepCheckpoint>();
  for (const a of artifactsForRun(db, runId)) {
    const step = stepOf(a.meta);
    if (a.kind !== STEP_CHECKPOINT || step === null) continue;
    if (!hasCheckpoint(path.join(projectDir, a.path))) continue;
    byStep.set(step, { step, path: a.path, createdAt: a.createdAt, bytes: a.bytes });
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** Removes the run's step checkpoints (rows and folders) for which `drop(step)` holds. */
export function dropStepCheckpoints(
  db: Database,
  projectDir: string,
  runId: number,
  drop: (step: number) => boolean,
): void {
  const doomed = artifactsForRun(db, runId).filter((a) => {
    const step = stepOf(a.meta);
    return a.kind === STEP_CHECKPOINT && step !== null && drop(step);
  });
  if (doomed.length === 0) return;
  const del = db.prepare('DELETE FROM artifacts WHERE id = ?');
  db.transaction(() => doomed.forEach((a) => del.run(a.id)))();
  // Rows first: a crash in between leaves a folder no row names, which is only disk, never a wrong listing.
  for (const a of doomed) fs.rmSync(path.join(projectDir, a.path), { recursive: true, force: true });
}

/**
 * Keeps a copy of the complete checkpoint at `from` (relative to the project) as run `runId`'s checkpoint of
 * `step`, records it, and drops the oldest beyond KEPT_STEP_CHECKPOINTS. Returns the kept folder (relative).
 */
export function keepStepCheckpoint(
  db: Database,
  projectDir: string,
  runId: number,
  from: string,
  step: number,
  record: { sha256: string; bytes: number },
): string {
  const rel = stepCheckpointDir(runId, step);
  copyCheckpoint(path.join(projectDir, from), path.join(projectDir, rel));
  dropStepCheckpoints(db, projectDir, runId, (s) => s === step);
  insertArtifact(db, {
    runId,
    kind: STEP_CHECKPOINT,
    path: rel,
    sha256: record.sha256,
    bytes: record.bytes,
    meta: { step },
    createdAt: new Date().toISOString(),
  });
  const steps = stepCheckpoints(db, projectDir, runId).map((c) => c.step);
  const cutoff = steps[steps.length - KEPT_STEP_CHECKPOINTS];
  if (cutoff !== undefined) dropStepCheckpoints(db, projectDir, runId, (s) => s < cutoff);
  return rel;
}
