/**
 * Resuming or forking a run from one of the checkpoints it keeps by step (training/checkpoint-steps.ts). Shared by
 * the studio's handlers and the CLI (`studio resume --from-step`, `studio fork`). Both check everything before they
 * change anything: a refusal leaves the project as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { CheckpointView, ForkOverrides } from '../../src-shared/run-manage.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { loadDataset } from '../data/index.ts';
import { artifactsForRun, insertArtifact } from '../db/tables/artifacts.ts';
import { getRun, insertRun, updateRunStatus } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { removeStaleRunDir } from '../export/project-cleanup.ts';
import { copyCheckpoint } from '../training/checkpoint.ts';
import {
  STEP_CHECKPOINT,
  dropStepCheckpoints,
  stepCheckpointDir,
  stepCheckpoints,
} from '../training/checkpoint-steps.ts';
import type { StepCheckpoint } from '../training/checkpoint-steps.ts';
import type { FromWorker } from '../training/protocol.ts';
import { runDirs } from '../training/run-dirs.ts';
import { superviseRun } from '../training/supervisor.ts';
import type { SupervisedRun } from '../training/supervisor.ts';
import { resumableConfig, storedConfig } from './training.ts';

/** The checkpoints run `runId` keeps, for the run page and `studio runs checkpoints`. */
export function listCheckpoints(db: Database, projectDir: string, runId: number): CheckpointView[] {
  if (!getRun(db, runId)) throw new UserError(`run ${runId}: no such run in this project`);
  return stepCheckpoints(db, projectDir, runId).map(({ step, createdAt, bytes }) => ({
    step,
    createdAt,
    bytes,
  }));
}

/** Run `runId`'s checkpoint of `step`, or a refusal that lists the steps it has. */
export function checkpointAt(db: Database, projectDir: string, runId: number, step: number): StepCheckpoint {
  const all = stepCheckpoints(db, projectDir, runId);
  const found = all.find((c) => c.step === step);
  if (found) return found;
  const steps = all.map((c) => c.step).join(', ');
  throw new UserError(
    `run ${runId} has no checkpoint at step ${step}${steps ? `; its checkpoints: steps ${steps}` : '; it kept none'}`,
  );
}

/** Job options for the worker after a resume or fork: the config and the checkpoint folder to start from. */
export interface FromCheckpoint {
  config: TrainConfig;
  checkpoint: StepCheckpoint;
}

/** What resuming run `runId` from `step` trains with, or a one-line refusal; callers pre-flight the config. */
export function resumeFromPlan(
  db: Database,
  projectDir: string,
  runId: number,
  step: number,
): FromCheckpoint {
  const config = resumableConfig(db, projectDir, runId);
  return { config, checkpoint: checkpointAt(db, projectDir, runId, step) };
}

/**
 * Resumes run `runId` from its checkpoint of `step`: what it recorded after that step (metrics, later checkpoints,
 * a best checkpoint from later) is dropped first, since training from there replaces it.
 */
export function resumeFromStep(
  db: Database,
  projectDir: string,
  runId: number,
  step: number,
  onMessage?: (m: FromWorker) => void,
  env?: NodeJS.ProcessEnv,
): SupervisedRun {
  const { config, checkpoint } = resumeFromPlan(db, projectDir, runId, step);
  loadDataset(config.dataset);
  const laterBest = artifactsForRun(db, runId).some(
    (a) => a.kind === 'checkpoint-best' && typeof a.meta.step === 'number' && a.meta.step > step,
  );
  db.transaction(() => {
    db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
    if (laterBest)
      db.prepare(`DELETE FROM artifacts WHERE run_id = ? AND kind = 'checkpoint-best'`).run(runId);
    updateRunStatus(db, runId, { step });
  })();
  dropStepCheckpoints(db, projectDir, runId, (s) => s > step);
  // A best checkpoint from after `step` belongs to the dropped future: early stopping must not restore it.
  if (laterBest) fs.rmSync(path.join(projectDir, runDirs(runId).best), { recursive: true, force: true });
  return superviseRun({
    db,
    projectDir,
    runId,
    job: { kind: 'train', config, resumeFrom: checkpoint.path },
    onMessage,
    env,
  });
}

/** The config a fork of run `runId` at `step` trains with, or a one-line refusal; callers pre-flight it. */
export function forkPlan(
  db: Database,
  projectDir: string,
  runId: number,
  step: number,
  overrides: ForkOverrides,
): FromCheckpoint {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`run ${runId}: no such run in ${projectDir}`);
  if (run.config.protocol === 'continual')
    throw new UserError(`run ${runId} is a continual run: it cannot be forked`);
  const checkpoint = checkpointAt(db, projectDir, runId, step);
  const base = storedConfig(runId, run.config);
  const maxSteps = overrides.maxSteps ?? base.train.maxSteps;
  if (maxSteps !== undefined && maxSteps <= step)
    throw new UserError(
      `max steps must be above the checkpoint's step (${step}) for the fork to train at all`,
    );
  const config = trainConfigSchema.parse({
    ...base,
    name: undefined,
    train: { ...base.train, ...(overrides.lr !== undefined ? { lr: overrides.lr } : {}), maxSteps },
  });
  return { config, checkpoint };
}

/**
 * Starts a new run from run `runId`'s checkpoint of `step`: its weights and optimizer state, the same config
 * (with `overrides`), and the source's metrics up to that step, so its curves begin where the fork begins.
 */
export function forkRun(
  db: Database,
  projectDir: string,
  runId: number,
  step: number,
  overrides: ForkOverrides,
  onMessage?: (m: FromWorker) => void,
  env?: NodeJS.ProcessEnv,
): SupervisedRun {
  const { config, checkpoint } = forkPlan(db, projectDir, runId, step, overrides);
  loadDataset(config.dataset);
  const source = getRun(db, runId) as NonNullable<ReturnType<typeof getRun>>;
  const forkId = db.transaction(() => {
    const id = insertRun(db, {
      name: `${source.name} (fork of #${runId} at step ${step})`,
      datasetId: source.datasetId,
      baseModelId: source.baseModelId,
      method: source.method,
      config: config as unknown as Record<string, unknown>,
      createdAt: new Date().toISOString(),
    });
    db.prepare(
      `INSERT INTO metrics (run_id, split, name, step, value)
       SELECT ?, split, name, step, value FROM metrics WHERE run_id = ? AND step <= ?`,
    ).run(id, runId, step);
    updateRunStatus(db, id, { step });
    return id;
  })();
  // The fork's own copy: deleting the source run later must not take the fork's starting point with it.
  removeStaleRunDir(projectDir, forkId);
  const own = stepCheckpointDir(forkId, step);
  copyCheckpoint(path.join(projectDir, checkpoint.path), path.join(projectDir, own));
  insertArtifact(db, {
    runId: forkId,
    kind: STEP_CHECKPOINT,
    path: own,
    sha256: artifactsForRun(db, runId).find((a) => a.path === checkpoint.path)?.sha256 ?? '',
    bytes: checkpoint.bytes,
    meta: { step, forkedFrom: runId },
    createdAt: new Date().toISOString(),
  });
  return superviseRun({
    db,
    projectDir,
    runId: forkId,
    job: { kind: 'train', config, resumeFrom: own },
    onMessage,
    env,
  });
}
