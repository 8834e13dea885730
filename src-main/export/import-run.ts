/**
 * `studio import-run FOLDER --project P` (and the Runs page's "Import a trained run"): an Accelerate folder that
 * train.py trained (accelerate.ts wrote it) comes back as a completed run of the project — its adapter (a PEFT
 * folder, or our format for bottleneck adapters), its curves (output/metrics.jsonl, or transformers'
 * trainer_state.json) and its final validation metrics — so it sits in Runs and Compare beside local runs and
 * exports and bundles like them. Everything is checked before anything is recorded; the run folder is staged and
 * renamed in whole, as a bundle import does.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { ImportRunResult } from '../../src-shared/export.ts';
import { ACCELERATE_METHODS } from '../../src-shared/export.ts';
import { upsertBaseModel } from '../db/tables/base-models.ts';
import { logMetrics } from '../db/tables/metrics.ts';
import type { MetricPoint } from '../db/tables/metrics.ts';
import { insertRun, updateRunStatus } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { modelContentHashStreamed } from '../models/content-hash.ts';
import { DEFAULT_MODEL, resolveModelDir } from '../models/default-model.ts';
import { fileSha256 } from '../node-shared/hash-file.ts';
import { ACCELERATE_FORMAT, RUN_CONFIG_FILE, TRAIN_OUTPUT_DIR } from './accelerate.ts';
import type { ImportEngine } from './engine-job.ts';
import { parseMetricsJsonl, parseTrainerState } from './import-run-curves.ts';
import { stagingDir } from './project-cleanup.ts';
import { recordStagedRun } from './staged-run.ts';

const finite = z.number().refine(Number.isFinite, 'not a finite number');
/** The parts of run_config.json an import relies on (train.py reads the rest). */
const runConfigSchema = z
  .object({
    format: z.literal(ACCELERATE_FORMAT),
    version: z.literal(1),
    run: z.object({ name: z.string().min(1).max(500), createdAt: z.string() }).passthrough(),
    config: z.record(z.string(), z.unknown()),
    method: z.object({ type: z.enum(ACCELERATE_METHODS) }).passthrough(),
    labels: z.array(z.string()).min(1),
    baseModel: z
      .object({ studioName: z.string().min(1), architecture: z.string(), contentHash: z.string() })
      .passthrough(),
  })
  .passthrough();
const trainInfoSchema = z
  .object({
    steps: z.number().int().min(0).optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    numProcesses: z.number().int().positive().optional(),
    device: z.string().max(200).optional(),
  })
  .passthrough();

export interface ImportRunOptions {
  /** The base model on this machine, when not where the folder says. */
  model?: string;
  engine: ImportEngine;
}

function readJson<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'not valid JSON'}`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: ${issue?.path.join('.') || 'file'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Where train.py left its results: FOLDER/output, or FOLDER itself when it was pointed there. */
function outputDir(folder: string): string {
  const out = path.join(folder, TRAIN_OUTPUT_DIR);
  if (fs.existsSync(path.join(out, 'adapter'))) return out;
  if (fs.existsSync(path.join(folder, 'adapter'))) return folder;
  throw new UserError(
    `${folder}: no ${TRAIN_OUTPUT_DIR}/adapter/: train this folder first (its README.md says how), then import it`,
  );
}

/** The curves: our JSONL log, else trainer_state.json (the output folder's, or its last checkpoint's). */
function curvesOf(out: string): { points: MetricPoint[]; from: ImportRunResult['curves'] } {
  const jsonl = path.join(out, 'metrics.jsonl');
  if (fs.existsSync(jsonl)) return { points: parseMetricsJsonl(jsonl), from: 'metrics.jsonl' };
  const checkpoints = fs
    .readdirSync(out)
    .filter((f) => /^checkpoint-\d+$/.test(f))
    .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));
  for (const dir of [out, ...checkpoints.reverse().map((c) => path.join(out, c))]) {
    const state = path.join(dir, 'trainer_state.json');
    if (fs.existsSync(state)) return { points: parseTrainerState(state), from: 'trainer_state.json' };
  }
  return { points: [], from: 'none' };
}

/** The final validation metrics: final_metrics.json, else the curves' last evaluation. */
function finalMetricsOf(out: string, points: readonly MetricPoint[]): Record<string, number> {
  const file = path.join(out, 'final_metrics.json');
  if (fs.existsSync(file))
    return readJson(file, z.record(z.string().regex(/^[A-Za-z][\w.-]{0,63}$/), finite));
  const validation = points.filter((p) => p.split === 'validation');
  const last = Math.max(-1, ...validation.map((p) => p.step));
  return Object.fromEntries(validation.filter((p) => p.step === last).map((p) => [p.name, p.value]));
}

/** The project's dataset with this content hash, so the imported run names the data it trained on. */
function datasetWithHash(db: Database, hash: unknown): number | null {
  if (typeof hash !== 'string') return null;
  const row = db.prepare('SELECT id FROM datasets WHERE content_hash = ? ORDER BY id LIMIT 1').get(hash) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

const dirBytes = (dir: string): number =>
  fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);

/** Checks the trained folder and records it as a completed run of the project; nothing is kept if a step fails. */
export async function importRun(
  db: Database,
  projectDir: string,
  folderArg: string,
  opts: ImportRunOptions,
): Promise<ImportRunResult> {
  const folder = path.resolve(folderArg);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
    throw new UserError(`${folder}: not a folder (give the Accelerate folder that train.py trained)`);
  const rc = readJson(path.join(folder, RUN_CONFIG_FILE), runConfigSchema);
  const out = outputDir(folder);
  const curves = curvesOf(out);
  const metrics = finalMetricsOf(out, curves.points);
  const infoFile = path.join(out, 'train_info.json');
  const info = fs.existsSync(infoFile) ? readJson(infoFile, trainInfoSchema) : {};
  // The base: --model, else the folder the run named; its weights must be the ones the adapter trained on.
  const named = opts.model ?? rc.baseModel.studioName;
  const baseDir = resolveModelDir(named);
  if (!fs.existsSync(path.join(baseDir, 'config.json')))
    throw new UserError(`${folder}: its base model "${named}" is not on this machine: pass --model DIR`);
  const contentHash = await modelContentHashStreamed(baseDir);
  if (contentHash !== rc.baseModel.contentHash)
    throw new UserError(
      `${folder}: trained on a different base model: ${baseDir} has weights sha256 ${contentHash.slice(0, 12)}…, the run needs ${rc.baseModel.contentHash.slice(0, 12)}…`,
    );
  const staging = stagingDir(projectDir, 'import');
  try {
    const adapterStaging = path.join(staging, 'adapter');
    const converted = await opts.engine.importAdapter({
      model: named === DEFAULT_MODEL ? DEFAULT_MODEL : path.resolve(baseDir),
      from: path.join(out, 'adapter'),
      out: adapterStaging,
      method: rc.method.type,
      labels: rc.labels,
    });
    const steps = info.steps ?? Math.max(0, ...curves.points.map((p) => p.step));
    const now = new Date().toISOString();
    const gpus = info.numProcesses
      ? ` on ${info.numProcesses} process${info.numProcesses > 1 ? 'es' : ''}`
      : '';
    const weights = path.join(adapterStaging, converted.files[0]?.name ?? '');
    const runId = recordStagedRun(db, projectDir, staging, {
      createdAt: now,
      adapter: {
        sha256: await fileSha256(weights),
        bytes: dirBytes(adapterStaging),
        meta: { importedFrom: folder, trainedWith: 'accelerate', metricsVerified: false },
      },
      rows: () => {
        const baseModelId = upsertBaseModel(db, {
          path: path.resolve(baseDir),
          architecture: rc.baseModel.architecture,
          contentHash,
          paramCount: 0,
          info: {},
          createdAt: now,
        });
        const id = insertRun(db, {
          name: `${rc.run.name} (Accelerate)`,
          datasetId: datasetWithHash(db, (rc.dataset as { contentHash?: unknown } | undefined)?.contentHash),
          baseModelId,
          method: rc.method.type,
          config: {
            ...rc.config,
            project: projectDir,
            model: named === DEFAULT_MODEL ? DEFAULT_MODEL : baseDir,
          },
          createdAt: now,
        });
        updateRunStatus(db, id, {
          status: 'completed',
          // Not measured here: train.py's word, like a bundle's metrics.
          message: `trained with Accelerate${gpus}${info.device ? ` (${info.device})` : ''}, imported from ${folder} (metrics as train.py reports them, not measured here)`,
          trainableParams: converted.trainableParams,
          totalParams: converted.totalParams,
          step: steps,
          totalSteps: steps,
          finishedAt: info.finishedAt ?? now,
          ...(info.startedAt ? { startedAt: info.startedAt } : {}),
        });
        logMetrics(db, id, curves.points);
        logMetrics(
          db,
          id,
          Object.entries(metrics).map(([name, value]) => ({ split: 'validation', name, step: steps, value })),
        );
        return id;
      },
    });
    return { runId, name: `${rc.run.name} (Accelerate)`, curves: curves.from, metrics };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
