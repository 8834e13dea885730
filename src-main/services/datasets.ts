/**
 * The Datasets page's services: preview an imported file with a column mapping (checking every row), save it
 * as a project record, add built-in samples, list, delete and describe records. DB access goes through
 * db/tables/datasets.ts; reading and validating files through data/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type {
  ColumnMapping,
  DatasetDraft,
  DatasetProblem,
  DatasetStatsView,
  DatasetView,
} from '../../src-shared/datasets.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { DatasetError, loadDataset, previewDataset, sha256 } from '../data/index.ts';
import type { DatasetPreview, LoadedDataset } from '../data/index.ts';
import { statsView } from '../data/stats-view.ts';
import {
  countDatasetsWithSource,
  deleteDataset,
  findDataset,
  getDataset,
  insertDataset,
  listDatasets,
  runCountsByDataset,
  updateDatasetStats,
} from '../db/tables/datasets.ts';
import type { DatasetRecord } from '../db/tables/datasets.ts';
import { UserError } from '../errors.ts';
import { isStoredCopy, originalName, storedPath } from './dataset-files.ts';

/** Rows shown in the preview table. */
export const PREVIEW_ROWS = 20;

const SAMPLE_PREFIX = 'sample:';

function toView(d: DatasetRecord, runs: number): DatasetView {
  return {
    id: d.id,
    name: d.name,
    source: d.source,
    sample: d.source.startsWith(SAMPLE_PREFIX) ? d.source.slice(SAMPLE_PREFIX.length) : null,
    kind: d.kind,
    contentHash: d.contentHash,
    columns: d.columns,
    labels: d.labels,
    stats: d.stats as unknown as DatasetStatsView,
    splits: d.splits,
    createdAt: d.createdAt,
    runs,
  };
}

/** Where a DatasetError points, with the stored copy's path replaced by the name the user knows. */
function problemOf(err: DatasetError, stored: string, name: string): DatasetProblem {
  return {
    file: path.resolve(err.file) === stored ? name : path.basename(err.file),
    line: err.line ?? null,
    problem: err.problem,
  };
}

/**
 * The preview table. When a row within the first PREVIEW_ROWS is broken, the rows before it are still shown
 * (the error names the row) so the user sees the data around the problem.
 */
function previewUpTo(abs: string): DatasetPreview | undefined {
  for (let n = PREVIEW_ROWS; n >= 1; n--) {
    try {
      return previewDataset(abs, n);
    } catch (err) {
      if (!(err instanceof DatasetError) || err.line === undefined) return undefined;
    }
  }
  return undefined;
}

const isCorpus = (abs: string) => path.extname(abs).toLowerCase() === '.txt';

function specFor(abs: string, mapping: Partial<ColumnMapping>): DatasetSpec {
  return isCorpus(abs) ? { path: abs } : { path: abs, ...mapping };
}

/**
 * An imported file with a mapping (the guessed one when `mapping` is undefined): the first rows, and the first
 * problem anywhere in the file or the stats of the whole file.
 */
export function draftDataset(
  db: Database,
  projectDir: string,
  file: string,
  mapping?: ColumnMapping,
): DatasetDraft {
  const abs = storedPath(projectDir, file);
  const name = originalName(file);
  const bytes = fs.readFileSync(abs);
  const preview = previewUpTo(abs);
  const use: Partial<ColumnMapping> = isCorpus(abs) ? {} : (mapping ?? preview?.suggested ?? {});
  let loaded: LoadedDataset | undefined;
  let error: DatasetProblem | null = null;
  try {
    loaded = loadDataset(specFor(abs, use));
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    error = problemOf(err, abs, name);
  }
  const saved = loaded && findDataset(db, loaded.contentHash, loaded.columns as Record<string, string>);
  return {
    file,
    path: abs,
    name,
    format: preview?.format ?? path.extname(abs).slice(1).toLowerCase(),
    sizeBytes: bytes.length,
    contentHash: sha256(bytes),
    columns: preview?.columns ?? [],
    rows: preview?.rows ?? [],
    lines: preview?.lines ?? [],
    mapping: loaded ? loaded.columns : use,
    kind: loaded?.kind ?? preview?.kind ?? null,
    labels: loaded?.labels ?? preview?.labels ?? [],
    error,
    stats: loaded ? statsView(loaded) : null,
    warnings: loaded?.warnings ?? [],
    savedId: saved ? saved.id : null,
  };
}

function recordOf(d: LoadedDataset, name: string): Omit<DatasetRecord, 'id'> {
  return {
    name,
    source: d.source,
    kind: d.kind,
    contentHash: d.contentHash,
    columns: d.columns as Record<string, string>,
    labels: d.labels,
    stats: statsView(d) as unknown as Record<string, unknown>,
    splits: d.split as unknown as Record<string, unknown>,
    createdAt: new Date().toISOString(),
  };
}

/** Inserts the record, or returns the one that already holds these bytes with this mapping. */
function saveLoaded(db: Database, d: LoadedDataset, name: string): DatasetView {
  const existing = findDataset(db, d.contentHash, d.columns as Record<string, string>);
  const id = existing?.id ?? insertDataset(db, recordOf(d, name));
  return datasetView(db, id);
}

export function datasetView(db: Database, id: number): DatasetView {
  const d = getDataset(db, id);
  if (!d) throw new UserError(`dataset ${id}: no such dataset in this project`);
  return toView(d, runCountsByDataset(db).get(id) ?? 0);
}

/** Saves an imported file with a mapping as a record; every row is checked first (a DatasetError names it). */
export function saveDataset(
  db: Database,
  projectDir: string,
  file: string,
  mapping?: ColumnMapping,
  name?: string,
): DatasetView {
  const abs = storedPath(projectDir, file);
  const loaded = loadDataset(specFor(abs, mapping ?? {}));
  return saveLoaded(db, loaded, name?.trim() || originalName(file));
}

/** Adds a built-in sample as a record (`source` is `sample:<name>`); adding it twice returns the first. */
export function addSample(db: Database, sample: string): DatasetView {
  const loaded = loadDataset({ sample });
  return saveLoaded(db, loaded, loaded.name);
}

export function listDatasetViews(db: Database): DatasetView[] {
  const runs = runCountsByDataset(db);
  return listDatasets(db).map((d) => toView(d, runs.get(d.id) ?? 0));
}

/**
 * Deletes a record no run uses, and its stored copy when no other record points at it. A dataset a run trained
 * on stays, so the run can be reproduced and its data hash checked.
 */
export function removeDataset(db: Database, projectDir: string, id: number): void {
  const d = datasetView(db, id);
  if (d.runs > 0) {
    throw new UserError(
      `"${d.name}" is used by ${d.runs} run${d.runs === 1 ? '' : 's'}; it is kept so those runs stay reproducible`,
    );
  }
  deleteDataset(db, id);
  if (isStoredCopy(projectDir, d.source) && countDatasetsWithSource(db, d.source) === 0)
    fs.rmSync(d.source, { force: true });
}

/** Removes an imported file that was never saved as a record (the user cancelled the import). */
export function discardImport(db: Database, projectDir: string, file: string): boolean {
  const abs = storedPath(projectDir, file);
  if (countDatasetsWithSource(db, abs) > 0) return false;
  fs.rmSync(abs, { force: true });
  return true;
}

/**
 * Reads a record's data again and refreshes its stats (records written by a run have no histogram). Refuses a
 * file whose bytes changed since it was recorded, since the stats would describe other data.
 */
export function refreshStats(db: Database, id: number): DatasetView {
  const d = datasetView(db, id);
  const spec: DatasetSpec = d.sample ? { sample: d.sample } : { path: d.source, ...d.columns };
  const loaded = loadDataset(spec);
  if (loaded.contentHash !== d.contentHash)
    throw new UserError(`${d.source}: the file changed since it was recorded (its content hash differs)`);
  updateDatasetStats(db, id, statsView(loaded) as unknown as Record<string, unknown>);
  return datasetView(db, id);
}
