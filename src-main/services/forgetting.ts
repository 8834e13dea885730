/**
 * Forgetting reports of a project's runs (issue #19): the engine's request built from a run's record, and the
 * scores stored with the run. The scoring itself (tf.js) runs in the engine process for the UI
 * (inference/forgetting.ts) and in the CLI's own process for `studio forgetting` and `studio train`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ForgettingReport } from '../../src-shared/forgetting.ts';
import { DEFAULT_FORGETTING_EXAMPLES } from '../../src-shared/train-config.ts';
import type { DatasetSpec, ForgettingSpec } from '../../src-shared/train-config.ts';
import { forgettingForRun, saveForgetting } from '../db/tables/forgetting.ts';
import { getRun } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { runSource } from '../export/run-source.ts';
import type { ForgettingRequest, ForgettingResult } from '../inference/forgetting.ts';

/** The reference with its paths absolute (relative ones are taken from the project folder). */
export function resolveReference(projectDir: string, ref: DatasetSpec): DatasetSpec {
  if ('sample' in ref) return ref;
  const abs = path.resolve(projectDir, ref.path);
  if (!fs.existsSync(abs)) throw new UserError(`${abs}: no such file (the forgetting reference)`);
  return {
    ...ref,
    path: abs,
    ...(ref.validation ? { validation: path.resolve(projectDir, ref.validation) } : {}),
  };
}

/** How a report names its reference: `sample:<name>` or the file's path. */
export const referenceName = (ref: DatasetSpec): string =>
  'sample' in ref ? `sample:${ref.sample}` : ref.path;

/** The engine's request to score run `runId` (completed, with its saved folder) on `spec`'s reference. */
export function forgettingRequest(
  db: Database,
  projectDir: string,
  runId: number,
  spec: ForgettingSpec,
): ForgettingRequest {
  const s = runSource(db, projectDir, runId);
  const train = (s.run.config.train ?? {}) as { maxLength?: number };
  return {
    model: s.model,
    adapterDir: s.adapterDir,
    reference: resolveReference(projectDir, spec.reference),
    maxExamples: spec.maxExamples ?? DEFAULT_FORGETTING_EXAMPLES,
    maxLength: train.maxLength ?? 128,
  };
}

/** Stores what the engine returned as the run's report for that reference; returns the report. */
export function storeForgetting(
  db: Database,
  runId: number,
  request: ForgettingRequest,
  result: ForgettingResult,
  now = new Date(),
): ForgettingReport {
  const report: ForgettingReport = {
    ...result.scores,
    runId,
    reference: referenceName(request.reference),
    referenceHash: result.referenceHash,
    scoredAt: now.toISOString(),
  };
  saveForgetting(db, report);
  return report;
}

/** The forgetting block of a run's stored config, when it asked for one. */
export function forgettingSpecOf(db: Database, runId: number): ForgettingSpec | undefined {
  const f = getRun(db, runId)?.config.forgetting;
  return f && typeof f === 'object' ? (f as ForgettingSpec) : undefined;
}

/** A run's reports (a clear error for a run the project does not have). */
export function runForgetting(db: Database, runId: number): ForgettingReport[] {
  if (!getRun(db, runId)) throw new UserError(`run ${runId}: no such run`);
  return forgettingForRun(db, runId);
}

/**
 * Scores a run on its config's reference after it completed, if it named one. `score` is the engine (the engine
 * process's client, or in-process in the CLI). A failure is the report's alone: the run stays completed.
 */
export async function scoreAfterRun(
  db: Database,
  projectDir: string,
  runId: number,
  score: (req: ForgettingRequest) => Promise<ForgettingResult> | ForgettingResult,
): Promise<ForgettingReport | null> {
  const spec = forgettingSpecOf(db, runId);
  if (!spec || getRun(db, runId)?.status !== 'completed') return null;
  const req = forgettingRequest(db, projectDir, runId, spec);
  return storeForgetting(db, runId, req, await score(req));
}
