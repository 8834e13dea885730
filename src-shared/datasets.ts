/**
 * Datasets page and services: what the UI sees of an imported file, a draft being mapped, and a saved record.
 * Pure TypeScript (shared by main and the renderer).
 */

/** Largest file the Datasets page imports (main refuses bigger uploads with the same limit). */
export const MAX_DATASET_BYTES = 64 * 1024 * 1024;

/** File types the import accepts (image folders are imported by path from the CLI config instead). */
export const DATASET_EXTENSIONS = ['.csv', '.tsv', '.tab', '.jsonl', '.ndjson', '.json', '.txt'] as const;

/** A dataset file's stored copy is named `<first 12 hex of its sha256>-<original name>` under `datasets/`. */
export const STORED_NAME_PATTERN = /^[0-9a-f]{12}-[\w.-]{1,200}$/;

/** "12.5 MB" for a byte count (the limit messages on both sides use it). */
export const formatMegabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** What the Datasets page accepts (the renderer asks main rather than importing these constants). */
export interface DatasetLimits {
  maxBytes: number;
  extensions: string[];
}

/** Which columns hold the text, the label and the optional second text of a pair. */
export interface ColumnMapping {
  text: string;
  label: string;
  textPair?: string;
}

/** Examples per token length, in equal-width bins from `start`; see `overflow` for the last bin. */
export interface LengthHistogram {
  /** Lower edge of the first bin (the shortest length, rounded down to the bin width). */
  start: number;
  binWidth: number;
  counts: number[];
  /** Which tokens were counted: whitespace-separated words (no model is involved on the Datasets page). */
  tokenizer: 'whitespace' | 'model';
  /** True when the last bin is open-ended (it holds the long tail beyond the 99th percentile). */
  overflow: boolean;
}

/** Token-length distribution (nearest-rank percentiles). */
export interface LengthStats {
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The numbers the Datasets page shows (the `stats` stored with a dataset record). */
export interface DatasetStatsView {
  rows: number;
  labelCounts: Record<string, number>;
  lengthPercentiles: LengthStats;
  tokenizer: 'model' | 'whitespace' | 'none';
  duplicates: number;
  conflicting: number;
  duplicateExamples?: [string, string][];
  valueRange?: { min: number; max: number };
  characters?: number;
  /** Absent in records written before the Datasets page existed (`datasets:stats` fills it in). */
  lengthHistogram?: LengthHistogram;
}

/** A dataset record of a project. */
export interface DatasetView {
  id: number;
  name: string;
  /** The stored copy's absolute path, or `sample:<name>`. */
  source: string;
  /** The built-in sample's name when the record is one. */
  sample: string | null;
  kind: string;
  contentHash: string;
  columns: Partial<ColumnMapping>;
  labels: string[];
  stats: DatasetStatsView;
  splits: Record<string, unknown>;
  createdAt: string;
  /** Runs trained on this record (a dataset in use cannot be deleted). */
  runs: number;
}

/** A problem found while reading a dataset: the file, the 1-based line when there is one, and what is wrong. */
export interface DatasetProblem {
  /** The file name as the user knows it (the original name, not the stored copy's). */
  file: string;
  line: number | null;
  problem: string;
}

/** An imported file before it is saved: the preview with its mapping, and the result of checking every row. */
export interface DatasetDraft {
  /** The stored copy's file name under the project's `datasets/` folder (pass it back to preview/save). */
  file: string;
  /** The stored copy's absolute path. */
  path: string;
  /** The original file name. */
  name: string;
  format: string;
  sizeBytes: number;
  contentHash: string;
  columns: string[];
  /** The first rows, every cell as text. */
  rows: Record<string, string>[];
  /** The 1-based line each preview row starts on. */
  lines: number[];
  /** The mapping in use (the guessed one until the user changes it); empty for a .txt corpus. */
  mapping: Partial<ColumnMapping>;
  kind: string | null;
  labels: string[];
  /** The first problem in the whole file with this mapping; null when every row is valid. */
  error: DatasetProblem | null;
  /** Stats of the whole file; null while there is an error. */
  stats: DatasetStatsView | null;
  warnings: string[];
  /** The record already saved from this file with this mapping, if any. */
  savedId: number | null;
}
