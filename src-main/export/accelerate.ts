/**
 * `studio export --format accelerate`: hands a run to the training stack the field already uses — transformers +
 * PEFT launched by Accelerate (one GPU, several, a Slurm cluster; DeepSpeed ZeRO-2 through its config) — as a
 * self-contained folder: train.py and our bottleneck module (resources/accelerate/), the run's dataset split as
 * JSONL with sha256s, its settings and seed (run_config.json), Accelerate configs, requirements.txt, a Slurm script
 * and a README. Any run with a config can go (one never trained too): nothing here needs its adapter.
 * `studio import-run` (import-run.ts) brings what train.py writes under output/ back as a run of the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ExportedFile } from '../../src-shared/export.ts';
import { unavailableReason } from '../../src-shared/export.ts';
import { capValidation, trainConfigSchema, validationFractionOf } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { APP_ROOT, APP_VERSION } from '../app/package-info.ts';
import { loadDataset, sha256, splitRows } from '../data/index.ts';
import type { TextRow } from '../data/index.ts';
import { getDataset } from '../db/tables/datasets.ts';
import { getRun } from '../db/tables/runs.ts';
import type { RunRecord } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { findArchitecture } from '../models/architectures.ts';
import { modelContentHashStreamed } from '../models/content-hash.ts';
import { DEFAULT_MODEL, resolveModelDir } from '../models/default-model.ts';
import { accelerateTextFiles } from './accelerate-files.ts';
import { copyBaseModel, SHIPPED_BASE_DIR } from './card-target.ts';

/** train.py, the bottleneck module and the loop's arithmetic, shipped with the app as plain Python files. */
export const ACCELERATE_PY_DIR = path.join(APP_ROOT, 'resources/accelerate');
export const ACCELERATE_PY_FILES = ['train.py', 'studio_bottleneck.py', 'studio_loop.py'] as const;
export const RUN_CONFIG_FILE = 'run_config.json';
/** What train.py writes, relative to the export folder (its `--output-dir` default). */
export const TRAIN_OUTPUT_DIR = 'output';
export const ACCELERATE_FORMAT = 'adapter-studio-accelerate';

/** run_config.json: everything train.py reads, and what import-run needs to record the run again. */
export interface AccelerateRunConfig {
  format: typeof ACCELERATE_FORMAT;
  version: 1;
  studioVersion: string;
  run: { id: number; name: string; status: string; createdAt: string };
  /** The run's train config as the studio recorded it (the import records it again). */
  config: Record<string, unknown>;
  method: Record<string, unknown> & { type: string };
  train: TrainConfig['train'];
  seed: number;
  labels: string[];
  /** The architecture's defaults where the method config names none (LoRA targets, IA3 modules). */
  defaults: { loraTargets: string[]; ia3: { targets: string[]; feedforward: string[] } | null };
  baseModel: {
    /** Relative to the folder (`base-model`, the shipped copy) or absolute (the user's own folder). */
    path: string;
    shipped: boolean;
    /** How the studio names it in a run's config: `default` or the folder's path. */
    studioName: string;
    architecture: string;
    contentHash: string;
  };
  dataset: {
    name: string | null;
    contentHash: string | null;
    files: Record<'train' | 'validation', { path: string; sha256: string; rows: number }>;
  };
}

interface Split {
  train: TextRow[];
  validation: TextRow[];
  labels: string[];
}

/** The run's train and validation rows exactly as the studio's prepareData splits (and caps) them. */
function splitOf(config: TrainConfig): Split {
  const dataset = loadDataset(config.dataset);
  if (dataset.kind !== 'classification' && dataset.kind !== 'pair-classification')
    throw new UserError(
      `${dataset.source}: an Accelerate folder trains text classification runs; this dataset is ${dataset.kind}`,
    );
  const split = dataset.validationRows
    ? { train: dataset.rows, validation: dataset.validationRows }
    : splitRows(dataset.rows, {
        seed: config.train.seed,
        validationFraction: validationFractionOf(config.dataset),
        stratify: true,
      });
  return {
    train: split.train,
    validation: capValidation(split.validation, config.train),
    labels: dataset.labels,
  };
}

const jsonl = (rows: readonly TextRow[]): string =>
  rows
    .map((r) =>
      JSON.stringify({
        text: r.text,
        ...(r.textPair !== undefined ? { text_pair: r.textPair } : {}),
        label: r.label,
      }),
    )
    .join('\n') + (rows.length ? '\n' : '');

/** The run's config as one this studio would train, or one line saying why not. */
export function trainConfigOf(run: RunRecord, projectDir: string): TrainConfig {
  if (run.config.protocol === 'continual')
    throw new UserError(`run ${run.id} is a continual run: its stages cannot be handed to Accelerate yet`);
  const parsed = trainConfigSchema.safeParse({ ...run.config, project: projectDir });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `run ${run.id}: its config is not one this studio trains (${issue?.path.join('.') || 'config'}: ${issue?.message})`,
    );
  }
  return parsed.data;
}

/** Writes the Accelerate folder of run `runId` into `outDir` (new or empty); returns the files written. */
export async function writeAccelerateExport(
  db: Database,
  projectDir: string,
  runId: number,
  outDir: string,
): Promise<ExportedFile[]> {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`run ${runId}: no such run in ${projectDir}`);
  const reason = unavailableReason(run.method, 'accelerate');
  if (reason) throw new UserError(`run ${runId} (${run.method}): ${reason}`);
  const config = trainConfigOf(run, projectDir);
  const modelDir = resolveModelDir(config.model);
  const modelConfigFile = path.join(modelDir, 'config.json');
  if (!fs.existsSync(modelConfigFile))
    throw new UserError(`${modelDir}: the run's base model folder is missing (no config.json)`);
  const modelType = String(
    (JSON.parse(fs.readFileSync(modelConfigFile, 'utf8')) as { model_type?: unknown }).model_type ??
      'unknown',
  );
  const spec = findArchitecture(modelType);
  if (!spec || spec.inputKind !== 'text')
    throw new UserError(
      `${modelDir}: a ${modelType} model cannot be trained from an Accelerate folder (text models only)`,
    );
  const split = splitOf(config);
  if (split.train.length === 0) throw new UserError('the training split is empty: add more rows');
  // The bundled default model is a name only the studio knows, and 11 MB: it travels with the folder. A user's own
  // model may be many GB and usually already sits on the cluster: it is named by its path (train.py --base-model
  // points elsewhere), and its weights sha256 says which copy is the right one.
  const shipped = config.model === DEFAULT_MODEL;
  const written: ExportedFile[] = [];
  const write = (name: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(outDir, name)), { recursive: true });
    fs.writeFileSync(path.join(outDir, name), content);
    written.push({ name, bytes: Buffer.byteLength(content) });
  };
  const files = {} as AccelerateRunConfig['dataset']['files'];
  for (const part of ['train', 'validation'] as const) {
    const text = jsonl(split[part]);
    const name = `data/${part}.jsonl`;
    write(name, text);
    files[part] = { path: name, sha256: sha256(text), rows: split[part].length };
  }
  const dataset = run.datasetId === null ? undefined : getDataset(db, run.datasetId);
  const { type, ...options } = config.method;
  const runConfig: AccelerateRunConfig = {
    format: ACCELERATE_FORMAT,
    version: 1,
    studioVersion: APP_VERSION,
    run: { id: run.id, name: run.name, status: run.status, createdAt: run.createdAt },
    config: run.config,
    method: { type, ...options },
    train: config.train,
    seed: config.train.seed,
    labels: split.labels,
    defaults: {
      loraTargets: [...spec.loraTargets],
      ia3: spec.ia3 ? { targets: [...spec.ia3.targets], feedforward: [...spec.ia3.feedforward] } : null,
    },
    baseModel: {
      path: shipped ? SHIPPED_BASE_DIR : path.resolve(modelDir),
      shipped,
      studioName: shipped ? DEFAULT_MODEL : path.resolve(modelDir),
      architecture: modelType,
      contentHash: await modelContentHashStreamed(modelDir),
    },
    dataset: { name: dataset?.name ?? null, contentHash: dataset?.contentHash ?? null, files },
  };
  write(RUN_CONFIG_FILE, `${JSON.stringify(runConfig, null, 2)}\n`);
  for (const f of ACCELERATE_PY_FILES) write(f, fs.readFileSync(path.join(ACCELERATE_PY_DIR, f), 'utf8'));
  for (const [name, content] of Object.entries(accelerateTextFiles(runConfig))) write(name, content);
  if (shipped) written.push(...copyBaseModel(modelDir, path.join(outDir, SHIPPED_BASE_DIR)));
  return written;
}
