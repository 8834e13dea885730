/** Reading a table file of any supported format, guessing and applying the column mapping. */
import path from 'node:path';
import { parseDelimited } from './csv.ts';
import { decodeUtf8, readBytes } from './decode.ts';
import { DatasetError } from './errors.ts';
import { parseJsonArray, parseJsonl } from './jsonl.ts';
import { isNumericLabel } from './labels.ts';
import type { Table } from './table.ts';
import type { ColumnMap, TextRow } from './types.ts';

/** Table formats, by file extension. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'json';

const FORMATS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
};

/** The table format of a path, or undefined when it is not a table file. */
export const tableFormatOf = (file: string): TableFormat | undefined =>
  FORMATS[path.extname(file).toLowerCase()];

/** The message for a file type we do not read. */
export function unsupportedType(file: string): DatasetError {
  const ext = path.extname(file) || '(no extension)';
  return new DatasetError(
    file,
    `unsupported file type "${ext}" (use .csv, .tsv, .jsonl, .json, .txt or a folder of class sub-folders)`,
  );
}

/**
 * Reads a table file. Throws a DatasetError for an unsupported type, an empty file, bad encoding, a parse
 * error, or (unless `maxRecords` is set, for previews) a file without data rows.
 */
export function readTable(
  file: string,
  opts: { maxRecords?: number } = {},
): { table: Table; bytes: Buffer; format: TableFormat } {
  const format = tableFormatOf(file);
  if (!format) throw unsupportedType(file);
  const bytes = readBytes(file);
  const text = decodeUtf8(file, bytes);
  if (!text.trim()) throw new DatasetError(file, 'has only blank lines, no data');
  const table =
    format === 'csv' || format === 'tsv'
      ? parseDelimited(file, text, { delimiter: format === 'csv' ? ',' : '\t', maxRecords: opts.maxRecords })
      : format === 'jsonl'
        ? parseJsonl(file, text.replace(/\r\n?/g, '\n'), opts.maxRecords)
        : parseJsonArray(file, text, opts.maxRecords);
  if (table.records.length === 0) throw new DatasetError(file, 'has no data rows');
  if (format === 'csv' && table.columns.length === 1 && /[;\t|]/.test(table.columns[0] ?? '')) {
    // A single column whose name holds another separator: almost surely a semicolon/tab-separated file.
    throw new DatasetError(
      file,
      'has one column whose name holds ";", "|" or a tab; is it separated by those? use commas, or .tsv for tabs',
      1,
    );
  }
  return { table, bytes, format };
}

const TEXT_NAMES = [
  'text',
  'sentence',
  'sentence1',
  'review',
  'content',
  'document',
  'question',
  'premise',
  'input',
];
const LABEL_NAMES = ['label', 'labels', 'class', 'category', 'target', 'score', 'y', 'output'];
const PAIR_NAMES = ['text_pair', 'textpair', 'sentence2', 'hypothesis', 'context', 'passage'];

/** A best guess of the mapping from column names, for the UI's preview and for configs that omit it. */
export function guessColumns(columns: readonly string[]): Partial<ColumnMap> {
  const find = (names: readonly string[]) =>
    names.map((n) => columns.find((c) => c.toLowerCase() === n)).find((c) => c !== undefined);
  const text = find(TEXT_NAMES) ?? columns[0];
  const label = find(LABEL_NAMES) ?? (columns.length > 1 ? columns[columns.length - 1] : undefined);
  const textPair = find(PAIR_NAMES);
  return {
    ...(text !== undefined ? { text } : {}),
    ...(label !== undefined && label !== text ? { label } : {}),
    ...(textPair !== undefined && textPair !== text && textPair !== label ? { textPair } : {}),
  };
}

/** Fills the roles a spec leaves out from `guessColumns`, and checks every named column exists. */
export function resolveColumns(file: string, table: Table, spec: Partial<ColumnMap>): ColumnMap {
  const guessed = guessColumns(table.columns);
  const text = spec.text ?? guessed.text;
  const label = spec.label ?? guessed.label;
  const list = listColumns(table.columns);
  if (text === undefined) throw new DatasetError(file, `name the text column; columns are: ${list}`);
  if (label === undefined) throw new DatasetError(file, `name the label column; columns are: ${list}`);
  const map: ColumnMap = { text, label, ...(spec.textPair !== undefined ? { textPair: spec.textPair } : {}) };
  for (const [role, col] of Object.entries(map)) {
    if (!table.columns.includes(col)) {
      throw new DatasetError(file, `column "${col}" (${role}) not found; columns are: ${list}`);
    }
  }
  if (map.text === map.label)
    throw new DatasetError(file, `column "${text}" cannot be both the text and the label`);
  return map;
}

/** A cell as text, or a problem: objects, arrays and booleans are not text (`true` is no class name). */
function cell(v: unknown): { value: string } | { problem: string } {
  if (v === undefined || v === null) return { value: '' };
  if (typeof v === 'string') return { value: v };
  if (typeof v === 'number') return { value: String(v) };
  if (typeof v === 'boolean') return { problem: 'is a JSON boolean (true/false), expected text or a number' };
  return { problem: `is ${Array.isArray(v) ? 'an array' : 'an object'}, expected text or a number` };
}

/** Longest column name a message may quote; longer "names" are likely content, not a header. */
const MAX_QUOTED_COLUMN = 64;

/**
 * The columns as a message may list them. Safe rule (error messages never echo a file's content): cell values
 * are never quoted; column names are listed only when the header looks like a dataset's, at least two columns
 * of at most 64 characters each. A single "column" is usually the first line of a file that is no table at all
 * (a credentials or notes file picked by mistake), so it is counted, not shown.
 */
export function listColumns(columns: readonly string[]): string {
  if (columns.length >= 2 && columns.every((c) => c.length <= MAX_QUOTED_COLUMN)) return columns.join(', ');
  return `${columns.length} column${columns.length === 1 ? '' : 's'}, not listed: this does not look like a dataset's header`;
}

/**
 * Applies a column mapping to every record. Every row is checked (empty text, empty label, a missing column
 * in a JSON record, a non-numeric label for regression) before any is returned.
 */
export function mapRows(
  file: string,
  table: Table,
  map: ColumnMap,
  opts: { regression?: boolean } = {},
): TextRow[] {
  return table.records.map(({ values, line }) => {
    const get = (col: string, role: string): string => {
      if (!(col in values)) throw new DatasetError(file, `missing "${col}" (${role})`, line);
      const c = cell(values[col]);
      if ('problem' in c) throw new DatasetError(file, `"${col}" ${c.problem}`, line);
      return c.value;
    };
    const text = get(map.text, 'text');
    if (!text.trim()) throw new DatasetError(file, `empty text in column "${map.text}"`, line);
    const label = get(map.label, 'label').trim();
    if (!label) throw new DatasetError(file, `empty label in column "${map.label}"`, line);
    const row: TextRow = { text, label, line };
    if (map.textPair !== undefined) {
      const pair = get(map.textPair, 'textPair');
      if (!pair.trim())
        throw new DatasetError(file, `empty text in column "${map.textPair}" (textPair)`, line);
      row.textPair = pair;
    }
    if (opts.regression) {
      if (!isNumericLabel(label)) {
        throw new DatasetError(file, 'the label is not a number (regression needs numeric labels)', line);
      }
      row.value = Number(label);
    }
    return row;
  });
}
