/**
 * The Datasets page's file work, without the database: a file's preview, the first problem or the stats of the
 * whole file, and a dataset's record summary. It runs in the data process (data-worker/worker.ts) so parsing and
 * validating a large file never blocks main's event loop; main adds what the database knows.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {
  ColumnMapping,
  DatasetDraft,
  DatasetProblem,
  DatasetStatsView,
} from '../../src-shared/datasets.ts';
import type { DatasetSpec } from '../../src-shared/train-config.ts';
import { DatasetError } from './errors.ts';
import { sha256 } from './hash.ts';
import { loadDataset } from './load.ts';
import { previewDataset } from './preview.ts';
import type { DatasetPreview } from './preview.ts';
import { statsView } from './stats-view.ts';
import type { LoadedDataset } from './types.ts';

/** Rows shown in the preview table. */
export const PREVIEW_ROWS = 20;

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

export function specFor(abs: string, mapping: Partial<ColumnMapping>): DatasetSpec {
  return isCorpus(abs) ? { path: abs } : { path: abs, ...mapping };
}

/** A draft without `savedId`, plus the key main looks the saved record up by. */
export type FileDraft = Omit<DatasetDraft, 'savedId'> & {
  key: { contentHash: string; columns: Record<string, string> } | null;
};

/**
 * An imported file (stored at `abs`, called `file` in the project and `name` by the user) with a mapping (the
 * guessed one when undefined): the first rows, and the first problem anywhere in the file or its stats.
 */
export function draftFile(abs: string, file: string, name: string, mapping?: ColumnMapping): FileDraft {
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
    key: loaded
      ? { contentHash: loaded.contentHash, columns: loaded.columns as Record<string, string> }
      : null,
  };
}

/** What a dataset record holds about its data (everything but the name the user gives it and the dates). */
export interface DatasetSummary {
  name: string;
  source: string;
  kind: LoadedDataset['kind'];
  contentHash: string;
  columns: Record<string, string>;
  labels: string[];
  stats: DatasetStatsView;
  split: LoadedDataset['split'];
}

/** Reads and checks every row of a dataset (a DatasetError names the first bad one) and summarises it. */
export function summarizeDataset(spec: DatasetSpec): DatasetSummary {
  const d = loadDataset(spec);
  return {
    name: d.name,
    source: d.source,
    kind: d.kind,
    contentHash: d.contentHash,
    columns: d.columns as Record<string, string>,
    labels: d.labels,
    stats: statsView(d),
    split: d.split,
  };
}
