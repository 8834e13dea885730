/** CSV, TSV, JSONL and JSON arrays of objects -> text rows, with column mapping and per-line errors. */
import path from 'node:path';
import Papa from 'papaparse';
import { readUtf8 } from './decode.ts';
import { DatasetError } from './errors.ts';
import type { TextRow } from './types.ts';

export interface ColumnMap {
  text?: string;
  label?: string;
  textPair?: string;
}

export interface Table {
  columns: string[];
  /** Records with the 1-based physical line each started on. */
  records: { values: Record<string, unknown>; line: number }[];
}

function parseDelimited(file: string, text: string, delimiter: string): Table {
  const result = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: 'greedy' });
  const err = result.errors[0];
  if (err) {
    // papaparse reports a character index; turn it into the physical line a user sees in an editor.
    const line =
      err.index !== undefined
        ? 1 + countNewlines(text.slice(0, err.index))
        : err.row !== undefined
          ? err.row + 1
          : undefined;
    const what = err.code === 'MissingQuotes' ? 'a quoted field is never closed (broken quote)' : err.message;
    throw new DatasetError(file, what, line);
  }
  const [header, ...rows] = result.data;
  if (!header || header.length === 0) throw new DatasetError(file, 'no header row', 1);
  const columns = header.map((h) => h.trim());
  // Physical lines: a quoted field may span lines, so track the line each record starts on.
  const records: Table['records'] = [];
  let line = 2 + countNewlines(header.join(''));
  for (const row of rows) {
    if (row.length !== columns.length) {
      throw new DatasetError(file, `has ${row.length} fields, the header has ${columns.length}`, line);
    }
    records.push({ values: Object.fromEntries(columns.map((c, i) => [c, row[i]])), line });
    line += 1 + countNewlines(row.join(''));
  }
  return { columns, records };
}

const countNewlines = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
};

function parseJsonl(file: string, text: string): Table {
  const records: Table['records'] = [];
  const columns = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new DatasetError(file, `invalid JSON (${(err as Error).message})`, i + 1);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new DatasetError(file, 'each line must be a JSON object', i + 1);
    Object.keys(v).forEach((k) => columns.add(k));
    records.push({ values: v as Record<string, unknown>, line: i + 1 });
  });
  return { columns: [...columns], records };
}

function parseJsonArray(file: string, text: string): Table {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(file, `invalid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(v)) throw new DatasetError(file, 'expected a JSON array of objects');
  const columns = new Set<string>();
  const records = v.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new DatasetError(file, `item ${i + 1} is not an object`);
    Object.keys(item).forEach((k) => columns.add(k));
    return { values: item as Record<string, unknown>, line: i + 1 };
  });
  return { columns: [...columns], records };
}

export function readTable(file: string): { table: Table; bytes: Buffer } {
  const { text, bytes } = readUtf8(file);
  const ext = path.extname(file).toLowerCase();
  const table =
    ext === '.csv'
      ? parseDelimited(file, text, ',')
      : ext === '.tsv'
        ? parseDelimited(file, text, '\t')
        : ext === '.jsonl'
          ? parseJsonl(file, text)
          : ext === '.json'
            ? parseJsonArray(file, text)
            : null;
  if (!table)
    throw new DatasetError(file, `unsupported file type "${ext}" (use .csv, .tsv, .jsonl, .json or .txt)`);
  if (table.records.length === 0) throw new DatasetError(file, 'has no data rows');
  return { table, bytes };
}

/** Guesses the text and label columns when the config does not name them. */
export function guessColumns(t: Table): ColumnMap {
  const find = (names: string[]) => t.columns.find((c) => names.includes(c.toLowerCase()));
  return {
    text:
      find(['text', 'sentence', 'review', 'content', 'document', 'sentence1', 'question']) ?? t.columns[0],
    label:
      find(['label', 'labels', 'class', 'category', 'target', 'y', 'score']) ??
      t.columns[t.columns.length - 1],
    textPair: find(['text_pair', 'sentence2', 'hypothesis', 'context']),
  };
}

export function tableRows(file: string, t: Table, map: ColumnMap): TextRow[] {
  for (const [role, col] of Object.entries(map)) {
    if (col !== undefined && !t.columns.includes(col)) {
      throw new DatasetError(
        file,
        `column "${col}" (${role}) not found; columns are: ${t.columns.join(', ')}`,
      );
    }
  }
  const { text, label, textPair } = map;
  if (!text || !label) throw new DatasetError(file, 'name the text and label columns');
  return t.records.map(({ values, line }) => {
    const tv = values[text];
    const lv = values[label];
    if (tv === undefined || tv === null || String(tv).trim() === '')
      throw new DatasetError(file, `empty text in column "${text}"`, line);
    if (lv === undefined || lv === null || String(lv).trim() === '')
      throw new DatasetError(file, `empty label in column "${label}"`, line);
    const row: TextRow = { text: String(tv), label: String(lv).trim(), line };
    if (textPair) {
      const pv = values[textPair];
      if (pv === undefined || pv === null) throw new DatasetError(file, `missing "${textPair}"`, line);
      row.textPair = String(pv);
    }
    return row;
  });
}
