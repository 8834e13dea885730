/**
 * Everything an export needs to know about one run of a project: its record, the adapter folder it kept, its
 * final metrics and the identity of its base model.
 */
import { modelContentHash } from '../models/content-hash.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ModelCardInput } from '../../src-shared/model-card.ts';
import { STUDIO_ADAPTER_FILE } from '../node-shared/adapter-folder.ts';
import type { BaseIdentity } from '../node-shared/adapter-folder.ts';
import { artifactsForRun } from '../db/tables/artifacts.ts';
import { getDataset } from '../db/tables/datasets.ts';
import { getRun } from '../db/tables/runs.ts';
import type { RunRecord } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import { finalMetrics } from '../db/tables/metrics.ts';

export interface RunSource {
  run: RunRecord;
  /** Absolute path of the adapter folder the run kept. */
  adapterDir: string;
  metrics: Record<string, number>;
  /** The base model as the run's config names it: a folder or "default". */
  model: string;
  base: { architecture: string; contentHash: string | null; pathHint: string };
  dataset: { name: string; contentHash: string } | null;
}

export { modelContentHash };

function readIdentity(adapterDir: string): BaseIdentity | undefined {
  const file = path.join(adapterDir, STUDIO_ADAPTER_FILE);
  if (!fs.existsSync(file)) return undefined;
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { base?: BaseIdentity }).base;
}

function localIdentity(model: string): { architecture: string; contentHash: string } | undefined {
  const dir = resolveModelDir(model);
  const configFile = path.join(dir, 'config.json');
  if (!model || !fs.existsSync(configFile)) return undefined;
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { model_type?: string };
  return { architecture: String(config.model_type ?? 'unknown'), contentHash: modelContentHash(dir) };
}

/** Loads a completed run with an adapter folder, or says plainly why it cannot be exported. */
export function runSource(db: Database, projectDir: string, runId: number): RunSource {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`run ${runId}: no such run in ${projectDir}`);
  if (run.status !== 'completed')
    throw new UserError(`run ${runId} is ${run.status}: only completed runs can be exported`);
  if (run.config.protocol === 'continual')
    throw new UserError(`run ${runId} is a continual run: its stages are not exported yet`);
  const artifact = artifactsForRun(db, runId)
    .filter((a) => a.kind === 'adapter')
    .at(-1);
  if (!artifact) throw new UserError(`run ${runId}: no adapter was saved for this run`);
  const recordedPath = path.resolve(projectDir, artifact.path);
  if (!fs.existsSync(recordedPath))
    throw new UserError(`${recordedPath}: the run's adapter folder is missing`);
  // The artifact names the adapter folder (or, in older records, its weights file).
  const adapterDir = fs.statSync(recordedPath).isDirectory() ? recordedPath : path.dirname(recordedPath);
  const model = String(run.config.model ?? '');
  const identity = readIdentity(adapterDir);
  const recorded =
    run.baseModelId === null
      ? undefined
      : (db
          .prepare('SELECT architecture, content_hash FROM base_models WHERE id = ?')
          .get(run.baseModelId) as { architecture: string; content_hash: string } | undefined);
  // Neither the adapter nor the DB knows the base (an adapter imported in PEFT format): ask the folder itself.
  const local = identity?.contentHash || recorded ? undefined : localIdentity(model);
  const dataset = run.datasetId === null ? undefined : getDataset(db, run.datasetId);
  return {
    run,
    adapterDir,
    metrics: finalMetrics(db, runId),
    model,
    base: {
      architecture: identity?.architecture ?? recorded?.architecture ?? local?.architecture ?? 'unknown',
      contentHash: identity?.contentHash ?? recorded?.content_hash ?? local?.contentHash ?? null,
      pathHint: model,
    },
    dataset: dataset ? { name: dataset.name, contentHash: dataset.contentHash } : null,
  };
}

/** What a model card and a bundle manifest both say about a run. */
export function runFacts(s: RunSource) {
  return {
    name: s.run.name,
    method: s.run.method,
    config: s.run.config,
    metrics: s.metrics,
    trainableParams: s.run.trainableParams,
    totalParams: s.run.totalParams,
    finishedAt: s.run.finishedAt,
  };
}

/** The model card's input for a run. */
export function cardInput(s: RunSource): ModelCardInput {
  return { ...runFacts(s), baseModel: s.base, dataset: s.dataset };
}

/** The folder a run's model lives in, checked to exist (merged export needs the base weights). */
export function modelDirOf(s: RunSource): string {
  const dir = resolveModelDir(s.model);
  if (!fs.existsSync(path.join(dir, 'config.json')))
    throw new UserError(`${dir}: the run's base model folder is missing (no config.json)`);
  return dir;
}
