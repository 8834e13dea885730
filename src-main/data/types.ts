/** Plain data shapes of the dataset layer: what import returns and what the DB layer stores. */
import type { LengthStats } from '../../src-shared/datasets.ts';

/** Turns text into token ids (a model's tokenizer); the dataset layer never loads one itself. */
export type Tokenize = (text: string) => readonly number[];

/** One example of a text dataset (classification, pairs, regression) as read from a file. */
export interface TextRow {
  text: string;
  textPair?: string;
  /** The label as written in the file, trimmed (a class name, or a number for regression). */
  label: string;
  /** Regression: the label as a number. */
  value?: number;
  /** 1-based physical line in the source file (JSON arrays: the line the item starts on). */
  line: number;
}

/** One image of an image-folder dataset: `<root>/<label>/<file>`. */
export interface ImageItem {
  file: string;
  label: string;
}

/**
 * What a dataset trains: `classification` (single texts), `pair-classification` (a `textPair` column),
 * `regression` (numeric labels), `lm` (plain text, causal language modelling) or `image` (class folders).
 */
export type DatasetKind = 'classification' | 'pair-classification' | 'regression' | 'lm' | 'image';

/** The columns that hold each role. */
export interface ColumnMap {
  text: string;
  label: string;
  textPair?: string;
}

/** Token-length distribution (nearest-rank percentiles): shared with the UI. */
export type { LengthStats };

/** Summary numbers for the UI and the project DB (plain JSON). */
export interface DatasetStats {
  /** Examples: rows, images, or non-empty lines of a text corpus. */
  rows: number;
  /** Examples per label (empty for lm; for regression, not meaningful: see `valueRange`). */
  labelCounts: Record<string, number>;
  /** Length percentiles in tokens (whitespace tokens when no tokenizer is given; 0s for images). */
  lengthPercentiles: LengthStats;
  /** Which tokens `lengthPercentiles` counts. */
  tokenizer: 'model' | 'whitespace' | 'none';
  /** Rows whose text (and pair) repeats an earlier row (images: identical bytes). */
  duplicates: number;
  /** Of those, rows whose label differs from the first occurrence's. */
  conflicting: number;
  /** Up to 10 examples of duplicates, as `[first line, duplicate line]` (images: file names relative to root). */
  duplicateExamples: [string, string][];
  /** Up to 10 texts that occur with different labels, with the labels seen. */
  conflictExamples: { text: string; labels: string[] }[];
  /** Regression only: the smallest and largest value. */
  valueRange?: { min: number; max: number };
  /** Language modelling: size of the corpus. */
  characters?: number;
  tokens?: number;
}

/** How the examples were divided, stored with the dataset so a run can be reproduced. */
export interface SplitInfo {
  seed: number;
  /** `file` when `dataset.validation` named a separate file. */
  validation: number | 'file';
  test: number;
  stratified: boolean;
  counts: { train: number; validation: number; test: number };
}

interface DatasetBase {
  /** `sample:<name>` or the absolute file/folder path. */
  source: string;
  /** A short display name (file name, or the sample's title). */
  name: string;
  /** sha256 (hex) of the file bytes, of the folder's sorted relative paths + bytes, or of the sample's content. */
  contentHash: string;
  /** Column mapping used (empty for lm, images and samples without columns). */
  columns: Partial<ColumnMap>;
  /** Class names in id order (empty for regression and lm). */
  labels: string[];
  /** label -> id, the inverse of `labels`. */
  labelToId: Record<string, number>;
  stats: DatasetStats;
  split: SplitInfo;
  /** Non-fatal findings worth showing (duplicates, ignored files). */
  warnings: string[];
  /** Every text row of the main file, in file order (empty for lm and images). */
  rows: TextRow[];
}

/** A table dataset: classification, sentence pairs or regression. */
export interface TextDataset extends DatasetBase {
  kind: 'classification' | 'pair-classification' | 'regression';
  train: TextRow[];
  validation: TextRow[];
  test?: TextRow[];
  /** Rows of a separate `dataset.validation` file, when given (the same as `validation` then). */
  validationRows?: TextRow[];
}

/** A plain-text corpus for causal language modelling; chunk each part with `chunkText`. */
export interface LmDataset extends DatasetBase {
  kind: 'lm';
  /** The whole corpus (the main file). */
  text: string;
  train: string;
  validation: string;
  test?: string;
}

/** An image-folder dataset; decode items with `loadImage` and batch them with `toNchwBatch`. */
export interface ImageDataset extends DatasetBase {
  kind: 'image';
  images: ImageItem[];
  train: ImageItem[];
  validation: ImageItem[];
  test?: ImageItem[];
}

/** What `loadDataset` returns: validated in full, so nothing has been half-imported. */
export type LoadedDataset = TextDataset | LmDataset | ImageDataset;
