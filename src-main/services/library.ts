/**
 * The Models and Adapters pages' services: a project's base models (the bundled default first, then every folder
 * added or trained on) and its adapter library (every completed run's adapter), and the playground's requests.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { isCausalLmArchitecture } from '../../src-shared/generation.ts';
import type { AdapterEntry, ModelEntry } from '../../src-shared/library.ts';
import { adapterIsVideo, adapterLabels } from '../node-shared/adapter-folder.ts';
import { artifactsForRun } from '../db/tables/artifacts.ts';
import { listBaseModels, upsertBaseModel } from '../db/tables/base-models.ts';
import { UserError } from '../errors.ts';
import type { PredictRequest } from '../inference/predict.ts';
import {
  DEFAULT_DECODER,
  DEFAULT_DECODER_DIR,
  DEFAULT_MODEL,
  DEFAULT_MODEL_DIR,
  hasDefaultDecoder,
  isBundledModelDir,
  STUDIO_CLIP,
  STUDIO_CLIP_DIR,
} from '../models/default-model.ts';
import { modelInfo } from '../models/info.ts';
import { listRunViews, runView } from './runs.ts';
import { modelRecordStreamed } from './training.ts';

function bytesOnDisk(dir: string): number {
  let total = 0;
  for (const f of fs.readdirSync(dir, { withFileTypes: true }))
    if (f.isFile()) total += fs.statSync(path.join(dir, f.name)).size;
  return total;
}

function configNumber(dir: string, ...keys: string[]): number | null {
  try {
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    for (const k of keys) if (typeof c[k] === 'number') return c[k] as number;
  } catch {
    // modelInfo reports an unreadable config; these extras just stay empty.
  }
  return null;
}

function entry(id: number | null, model: string, dir: string, runs: number): ModelEntry {
  const base = { id, model, path: dir, bundled: isBundledModelDir(dir), runs };
  try {
    const info = modelInfo(dir);
    return {
      ...base,
      architecture: info.architecture,
      inputKind: info.inputKind,
      task: info.task,
      generates: isCausalLmArchitecture(info.task),
      parameters: info.parameters,
      hiddenSize: info.hiddenSize,
      layers: info.layers,
      heads: configNumber(dir, 'num_attention_heads', 'n_head', 'n_heads'),
      vocabSize: configNumber(dir, 'vocab_size'),
      labels: info.labels,
      tokenizer: info.tokenizer,
      bytesOnDisk: bytesOnDisk(dir),
      error: null,
    };
  } catch (err) {
    return {
      ...base,
      architecture: 'unknown',
      inputKind: null,
      task: 'unknown',
      generates: false,
      parameters: 0,
      hiddenSize: 0,
      layers: 0,
      heads: null,
      vocabSize: null,
      labels: [],
      tokenizer: null,
      bytesOnDisk: 0,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

const runsOn = (db: Database, id: number) =>
  (db.prepare('SELECT count(*) AS n FROM runs WHERE base_model_id = ?').get(id) as { n: number }).n;

/**
 * The bundled models first (the default encoder, the default decoder where its folder is present, then the CLIP),
 * then the project's models (one row per folder, newest content).
 */
export function listModels(db: Database): ModelEntry[] {
  const rows = listBaseModels(db);
  const runsIn = (dir: string) =>
    rows.filter((r) => r.path === dir).reduce((n, r) => n + runsOn(db, r.id), 0);
  const byPath = new Map<string, ModelEntry>();
  for (const r of rows) {
    if (isBundledModelDir(r.path)) continue;
    const runs = runsOn(db, r.id) + (byPath.get(r.path)?.runs ?? 0);
    byPath.set(r.path, entry(r.id, r.path, r.path, runs));
  }
  const bundled = [entry(null, DEFAULT_MODEL, DEFAULT_MODEL_DIR, runsIn(DEFAULT_MODEL_DIR))];
  if (hasDefaultDecoder())
    bundled.push(entry(null, DEFAULT_DECODER, DEFAULT_DECODER_DIR, runsIn(DEFAULT_DECODER_DIR)));
  bundled.push(entry(null, STUDIO_CLIP, STUDIO_CLIP_DIR, runsIn(STUDIO_CLIP_DIR)));
  return [...bundled, ...byPath.values()];
}

/** Checks a Hugging Face folder (config, weights, tokenizer) and remembers it in the project. */
export async function addModel(db: Database, folder: string): Promise<ModelEntry> {
  const dir = path.resolve(folder.trim());
  if (!fs.existsSync(dir)) throw new UserError(`${dir}: no such folder`);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir}: not a folder: choose the model's folder`);
  const info = modelInfo(dir); // one-line errors for a missing config, unknown type, malformed safetensors
  const rec = await modelRecordStreamed(dir);
  const id = upsertBaseModel(db, {
    path: rec.path,
    architecture: info.architecture,
    contentHash: rec.contentHash,
    paramCount: info.parameters,
    info: { architectures: rec.config.architectures ?? null, added: true },
    createdAt: new Date().toISOString(),
  });
  return entry(id, rec.path, rec.path, runsOn(db, id));
}

/** Forgets a folder (never deletes files); refused while runs were trained on it. */
export function removeModel(db: Database, id: number): void {
  const row = listBaseModels(db).find((r) => r.id === id);
  if (!row) throw new UserError(`model ${id}: not in this project`);
  const rows = listBaseModels(db).filter((r) => r.path === row.path);
  const runs = rows.reduce((n, r) => n + runsOn(db, r.id), 0);
  if (runs > 0)
    throw new UserError(
      `${row.path}: ${runs} run(s) of this project were trained on it; it stays in the list`,
    );
  db.transaction(() => {
    for (const r of rows) db.prepare('DELETE FROM base_models WHERE id = ?').run(r.id);
  })();
}

function datasetName(config: Record<string, unknown>): string {
  const d = config.dataset as { sample?: string; path?: string } | undefined;
  if (d?.sample) return d.sample;
  if (d?.path) return path.basename(d.path);
  return '—';
}

/** The adapter folder a run kept (absolute), or null. */
export function adapterDirOf(db: Database, projectDir: string, runId: number): string | null {
  const a = artifactsForRun(db, runId)
    .filter((x) => x.kind === 'adapter')
    .at(-1);
  return a ? path.join(projectDir, a.path) : null;
}

/** Every completed run that kept an adapter, newest first. */
export function listAdapters(db: Database, projectDir: string): AdapterEntry[] {
  return listRunViews(db)
    .filter((r) => r.status === 'completed' && r.config.protocol !== 'continual')
    .flatMap((r) => {
      const dir = adapterDirOf(db, projectDir, r.id);
      if (!dir || !fs.existsSync(dir)) return [];
      let labels: string[] = [];
      try {
        labels = adapterLabels(dir) ?? [];
      } catch {
        // A damaged adapter folder still lists; the playground reports its error when it is used.
      }
      const metricName = 'accuracy' in r.finalMetrics ? 'accuracy' : Object.keys(r.finalMetrics)[0];
      return [
        {
          runId: r.id,
          name: r.name,
          method: r.method,
          model: String(r.config.model ?? ''),
          dataset: datasetName(r.config),
          metric:
            metricName !== undefined
              ? { name: metricName, value: r.finalMetrics[metricName] as number }
              : null,
          trainablePercent:
            r.trainableParams !== null && r.totalParams ? (100 * r.trainableParams) / r.totalParams : null,
          bytes: r.adapterBytes,
          labels,
          video: adapterIsVideo(dir),
          finishedAt: r.finishedAt,
        },
      ];
    });
}

/** The playground request for adapters named by run id (each must be a completed run with an adapter). */
export function playgroundRequest(
  db: Database,
  projectDir: string,
  input: {
    model: string;
    runIds: number[];
    text?: string;
    pair?: string;
    imageBase64?: string;
    framesBase64?: string[];
    labels?: string[];
    template?: string;
    task?: string;
  },
): PredictRequest {
  const adapters = input.runIds.map((id) => {
    const run = runView(db, id);
    const dir = adapterDirOf(db, projectDir, id);
    if (run.status !== 'completed' || !dir) throw new UserError(`run ${id}: has no finished adapter to try`);
    return { key: String(id), title: `#${id} ${run.name}`, dir };
  });
  return {
    model: input.model,
    adapters,
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.pair ? { pair: input.pair } : {}),
    ...(input.imageBase64 ? { imageBase64: input.imageBase64 } : {}),
    ...(input.framesBase64?.length ? { framesBase64: input.framesBase64 } : {}),
    ...(input.labels ? { labels: input.labels } : {}),
    ...(input.template ? { template: input.template } : {}),
    ...(input.task ? { task: input.task } : {}),
  };
}
