/**
 * Launching and resuming runs (main's side): validates and records the dataset and base model first — bad input
 * fails before anything is written — then creates the run row and supervises the training process.
 */
import { modelContentHash, modelContentHashStreamed } from '../models/content-hash.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { trainConfigSchema, validationFractionOf } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import '../adapters/schemas.ts';
import { datasetStats, loadDataset } from '../data/index.ts';
import type { LoadedDataset } from '../data/index.ts';
import { findDataset, insertDataset } from '../db/tables/datasets.ts';
import { upsertBaseModel } from '../db/tables/base-models.ts';
import { logMetrics } from '../db/tables/metrics.ts';
import { baselinePoints, datasetBaseline } from '../training/baseline.ts';
import { artifactsForRun } from '../db/tables/artifacts.ts';
import { getRun, insertRun, markOrphanedRunsInterrupted } from '../db/tables/runs.ts';
import type { RunRow } from '../db/tables/runs.ts';
import { isProcessAlive } from '../app/process-identity.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import type { FromWorker } from '../training/protocol.ts';
import { superviseRun } from '../training/supervisor.ts';
import type { StartedWorker, SupervisedRun } from '../training/supervisor.ts';
import { removeStaleRunDir } from '../export/project-cleanup.ts';

function readModelConfig(dir: string) {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile))
    throw new UserError(`${configFile}: not found: "model" must be a Hugging Face model folder`);
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  return { path: path.resolve(dir), architecture: String(config.model_type ?? 'unknown'), config };
}

/** A model folder as the base_models table records it, with the same weights hash its adapters record. */
export function modelRecord(dir: string) {
  return { ...readModelConfig(dir), contentHash: modelContentHash(dir) };
}

/** The same record with the weights hashed as a stream, so main's event loop keeps running (the Models page). */
export async function modelRecordStreamed(dir: string) {
  const read = readModelConfig(dir);
  return { ...read, contentHash: await modelContentHashStreamed(dir) };
}

/** Runs still marked running whose process has not reported for this long died with it (runs with no owner). */
const STALE_MS = 60_000;

/**
 * Marks interrupted the runs whose supervising process is gone: by its pid where the run records one (a slow
 * step is no sign of death), else by the heartbeat. Only those runs: a live one stays running, so it can never be
 * resumed a second time beside itself.
 */
export function markStaleRunsInterrupted(db: Database): number[] {
  const cutoff = new Date(Date.now() - STALE_MS).toISOString();
  const rows = db
    .prepare(
      `SELECT id, status, heartbeat_at, owner_pid, owner_started FROM runs WHERE status IN ('running', 'paused')`,
    )
    .all() as Pick<RunRow, 'id' | 'status' | 'heartbeat_at' | 'owner_pid' | 'owner_started'>[];
  const stale = rows.filter((r) =>
    r.owner_pid !== null
      ? !isProcessAlive({ pid: r.owner_pid, started: r.owner_started })
      : r.status === 'running' && (r.heartbeat_at === null || r.heartbeat_at < cutoff),
  );
  if (stale.length === 0) return [];
  return markOrphanedRunsInterrupted(
    db,
    stale.map((r) => r.id),
    'the training process stopped without finishing (crash, kill or power cut); resume continues from the last checkpoint',
  );
}

/**
 * Loads and validates a run's dataset, writing nothing; startRun calls it before any row is written. The rest of
 * the pre-flight (the model folder, the sizes, the memory budget: training/preflight/) needs the engine, so it runs
 * before this where the engine lives: the engine process's `preflight` job for the studio's handlers
 * (InferenceClient.preflight), in-process for the CLI, which owns its engine.
 */
export function validateRun(config: TrainConfig): LoadedDataset {
  return loadDataset(config.dataset);
}

/**
 * Records and starts a run; `validated` is validateRun's result when the caller already ran it, `worker` a training
 * process the caller started ahead of it (startTrainingProcess).
 */
export function startRun(
  db: Database,
  projectDir: string,
  config: TrainConfig,
  onMessage?: (m: FromWorker) => void,
  env?: NodeJS.ProcessEnv,
  validated?: LoadedDataset,
  worker?: StartedWorker,
): SupervisedRun {
  // Bad input fails here, before any row is written: the database and the artifacts folder stay unchanged.
  const dataset = validated ?? validateRun(config);
  const model = modelRecord(resolveModelDir(config.model));
  const now = new Date().toISOString();
  const runId = db.transaction(() => {
    // The same bytes read with the same columns (e.g. a dataset imported on the Datasets page) are one record.
    const known = findDataset(db, dataset.contentHash, dataset.columns as Record<string, string>);
    const datasetId =
      known?.id ??
      insertDataset(db, {
        name: dataset.name,
        source: dataset.source,
        kind: dataset.kind,
        contentHash: dataset.contentHash,
        columns: dataset.columns as Record<string, string>,
        labels: dataset.labels,
        stats:
          dataset.kind === 'lm'
            ? { characters: dataset.text?.length ?? 0 }
            : { ...datasetStats(dataset.rows) },
        splits: {
          seed: config.train.seed,
          validation:
            config.dataset && 'validation' in config.dataset && config.dataset.validation
              ? 'file'
              : validationFractionOf(config.dataset),
        },
        createdAt: now,
      });
    const baseModelId = upsertBaseModel(db, {
      path: model.path,
      architecture: model.architecture,
      contentHash: model.contentHash,
      paramCount: 0,
      info: { architectures: model.config.architectures ?? null },
      createdAt: now,
    });
    const id = insertRun(db, {
      // Named after the dataset as the user knows it: the name given on import, not the stored (hashed) file.
      name: config.name ?? `${config.method.type} on ${known?.name ?? dataset.name}`,
      datasetId,
      baseModelId,
      method: config.method.type,
      config: config as unknown as Record<string, unknown>,
      createdAt: now,
    });
    // Stored with the run from its first moment, so the run page can say whether training beats it.
    const baseline = datasetBaseline(dataset, config.train.seed, validationFractionOf(config.dataset));
    if (baseline) logMetrics(db, id, baselinePoints(baseline));
    return id;
  })();
  // The id is new: a folder already under its name is a crash's leftover and must not be inherited.
  removeStaleRunDir(projectDir, runId);
  return superviseRun({ db, projectDir, runId, job: { kind: 'train', config }, onMessage, env, worker });
}

/** A run's stored config, parsed again: a config this version no longer accepts ends as one line. */
export function storedConfig(runId: number, stored: Record<string, unknown>): TrainConfig {
  const parsed = trainConfigSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UserError(
    `run ${runId}: its stored config no longer parses: ${issue?.path.join('.') || 'config'}: ${issue?.message}`,
  );
}

/** Continues an interrupted (or cancelled) run from its last checkpoint with the same config and seed. */
/**
 * The config a resume of run `runId` trains with, or a one-line refusal (no such run, still running, completed,
 * continual). Callers pre-flight it before resumeRun, as a start's config is pre-flighted before startRun.
 */
export function resumableConfig(db: Database, projectDir: string, runId: number): TrainConfig {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`run ${runId}: no such run in ${projectDir}`);
  if (run.status === 'running') throw new UserError(`run ${runId} is still running`);
  if (run.status === 'completed') throw new UserError(`run ${runId} already completed`);
  if (run.config.protocol === 'continual')
    throw new UserError(
      `run ${runId} is a continual run: it cannot be resumed; start it again from the Continual page`,
    );
  return storedConfig(runId, run.config);
}

export function resumeRun(
  db: Database,
  projectDir: string,
  runId: number,
  onMessage?: (m: FromWorker) => void,
  env?: NodeJS.ProcessEnv,
): SupervisedRun {
  const config = resumableConfig(db, projectDir, runId);
  // The dataset may have changed since the run started; the caller ran the engine's pre-flight on `config` (the
  // model folder may have changed too).
  loadDataset(config.dataset);
  const last = artifactsForRun(db, runId)
    .filter((a) => a.kind === 'checkpoint-last')
    .at(-1);
  return superviseRun({
    db,
    projectDir,
    runId,
    job: {
      kind: 'train',
      config,
      ...(last ? { resumeFrom: last.path } : {}),
    },
    onMessage,
    env,
  });
}
