/** One example of a text dataset (classification, pairs, regression) as read from a file. */
export interface TextRow {
  text: string;
  textPair?: string;
  /** The raw label as written in the file (a class name, or a number for regression). */
  label: string;
  /** 1-based line in the source file, for messages. */
  line: number;
}

export type DatasetKind = 'classification' | 'pair-classification' | 'regression' | 'lm' | 'image';

export interface ImageItem {
  file: string;
  label: string;
}

export interface DatasetStats {
  rows: number;
  labelCounts: Record<string, number>;
  /** Length percentiles in tokens (whitespace tokens when no tokenizer is given). */
  lengthPercentiles: { p50: number; p90: number; p99: number; max: number };
  duplicates: number;
  /** The same text with different labels. */
  conflicting: number;
}

/** A loaded dataset, ready to split and tokenize. */
export interface LoadedDataset {
  kind: DatasetKind;
  /** `sample:<name>` or the file/folder path. */
  source: string;
  name: string;
  contentHash: string;
  columns: { text?: string; label?: string; textPair?: string };
  /** Class names in id order (empty for regression and language modelling). */
  labels: string[];
  rows: TextRow[];
  /** Language modelling: the raw text. */
  text?: string;
  images?: ImageItem[];
  /** A separate validation file's rows, when given. */
  validationRows?: TextRow[];
}
