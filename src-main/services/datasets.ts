/**
 * The Datasets page's services: preview an imported file with a column mapping (checking every row), save it
 * as a project record, add built-in samples, list, delete and describe records. DB access goes through
 * db/tables/datasets.ts; reading and validating files through data/.
 */
import fs from 'node:fs';
import type { Database } from 'better-sqlite3';
import type {
  ColumnMapping,
  DatasetDraft,
  DatasetStatsView,
  DatasetView,
} from '../../src-shared/datasets.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { specFor } from '../data/draft.ts';
import type { DatasetSummary } from '../data/draft.ts';
import type { DataClient } from '../data-worker/client.ts';
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

export { PREVIEW_ROWS } from '../data/draft.ts';

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

/**
 * An imported file with a mapping (the guessed one when `mapping` is undefined): the first rows, and the first
 * problem anywhere in the file or the stats of the whole file. The file is read in the data process.
 */
export async function draftDataset(
  data: DataClient,
  db: Database,
  projectDir: string,
  file: string,
  mapping?: ColumnMapping,
): Promise<DatasetDraft> {
  const { key, ...draft } = await data.draft(storedPath(projectDir, file), file, originalName(file), mapping);
  const saved = key && findDataset(db, key.contentHash, key.columns);
  return { ...draft, savedId: saved ? saved.id : null };
}

function recordOf(d: DatasetSummary, name: string): Omit<DatasetRecord, 'id'> {
  return {
    name,
    source: d.source,
    kind: d.kind,
    contentHash: d.contentHash,
    columns: d.columns,
    labels: d.labels,
    stats: d.stats as unknown as Record<string, unknown>,
    splits: d.split as unknown as Record<string, unknown>,
    createdAt: new Date().toISOString(),
  };
}

/** Inserts the record, or returns the one that already holds these bytes with this mapping. */
function saveLoaded(db: Database, d: DatasetSummary, name: string): DatasetView {
  const existing = findDataset(db, d.contentHash, d.columns);
  const id = existing?.id ?? insertDataset(db, recordOf(d, name));
  return datasetView(db, id);
}

export function datasetView(db: Database, id: number): DatasetView {
  const d = getDataset(db, id);
  if (!d) throw new UserError(`dataset ${id}: no such dataset in this project`);
  return toView(d, runCountsByDataset(db).get(id) ?? 0);
}

/** Saves an imported file with a mapping as a record; every row is checked first (a DatasetError names it). */
export async function saveDataset(
  data: DataClient,
  db: Database,
  projectDir: string,
  file: string,
  mapping?: ColumnMapping,
  name?: string,
): Promise<DatasetView> {
  const abs = storedPath(projectDir, file);
  const loaded = await data.summary(specFor(abs, mapping ?? {}));
  return saveLoaded(db, loaded, name?.trim() || originalName(file));
}

/** Adds a built-in sample as a record (`source` is `sample:<name>`); adding it twice returns the first. */
export async function addSample(data: DataClient, db: Database, sample: string): Promise<DatasetView> {
  const loaded = await data.summary({ sample });
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
export async function refreshStats(data: DataClient, db: Database, id: number): Promise<DatasetView> {
  const d = datasetView(db, id);
  const spec: DatasetSpec = d.sample ? { sample: d.sample } : { path: d.source, ...d.columns };
  const loaded = await data.summary(spec);
  if (loaded.contentHash !== d.contentHash)
    throw new UserError(`${d.source}: the file changed since it was recorded (its content hash differs)`);
  updateDatasetStats(db, id, loaded.stats as unknown as Record<string, unknown>);
  return datasetView(db, id);
}
