/** A quick look at a file or folder for the import dialog: columns, the first rows, a suggested mapping. */
import fs from 'node:fs';
import path from 'node:path';
import { guessColumns, readTable, tableFormatOf, unsupportedType } from './columns.ts';
import type { TableFormat } from './columns.ts';
import { readBytes, decodeUtf8 } from './decode.ts';
import { DatasetError } from './errors.ts';
import { listImageFolder } from './images.ts';
import { detectKind, discoverLabels } from './labels.ts';
import type { ColumnMap, DatasetKind } from './types.ts';

/** What the import dialog shows before the user confirms a mapping. */
export interface DatasetPreview {
  /** Absolute path. */
  path: string;
  format: TableFormat | 'txt' | 'images';
  /** Detected columns in file order (`text` for .txt; `file`, `label` for image folders). */
  columns: string[];
  /** The first rows, every cell as a string (objects as JSON). */
  rows: Record<string, string>[];
  /** The 1-based line each preview row starts on (image folders: its index). */
  lines: number[];
  /** The mapping `loadDataset` would use when the config names no columns. */
  suggested: Partial<ColumnMap>;
  /** The kind the preview rows suggest with that mapping (it may change once every row is read). */
  kind?: DatasetKind;
  /** Labels seen in the preview rows (image folders: every class). */
  labels: string[];
}

const asString = (v: unknown): string =>
  v === undefined || v === null
    ? ''
    : typeof v === 'string'
      ? v
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);

/**
 * Previews up to `maxRows` rows. Only as much of a table as the preview needs is parsed, so a problem further
 * down the file shows up at import, not here; a problem within the previewed rows is a DatasetError.
 */
export function previewDataset(file: string, maxRows = 20): DatasetPreview {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new DatasetError(abs, 'no such file or folder');
  }
  if (stat.isDirectory()) {
    const { items, labels } = listImageFolder(abs);
    const shown = items.slice(0, maxRows);
    return {
      path: abs,
      format: 'images',
      columns: ['file', 'label'],
      rows: shown.map((it) => ({
        file: path.relative(abs, it.file).split(path.sep).join('/'),
        label: it.label,
      })),
      lines: shown.map((_, i) => i + 1),
      suggested: {},
      kind: 'image',
      labels,
    };
  }
  if (path.extname(abs).toLowerCase() === '.txt') {
    const text = decodeUtf8(abs, readBytes(abs));
    const lines = text.split(/\r\n?|\n/);
    const rows: Record<string, string>[] = [];
    const at: number[] = [];
    for (let i = 0; i < lines.length && rows.length < maxRows; i++) {
      if ((lines[i] as string).trim()) {
        rows.push({ text: lines[i] as string });
        at.push(i + 1);
      }
    }
    return {
      path: abs,
      format: 'txt',
      columns: ['text'],
      rows,
      lines: at,
      suggested: {},
      kind: 'lm',
      labels: [],
    };
  }
  if (!tableFormatOf(abs)) throw unsupportedType(abs);
  const { table, format } = readTable(abs, { maxRecords: maxRows });
  const suggested = guessColumns(table.columns);
  const rows = table.records.map((r) =>
    Object.fromEntries(table.columns.map((c) => [c, asString(r.values[c])])),
  );
  const label = suggested.label;
  const seen = label === undefined ? [] : rows.map((r) => (r[label] ?? '').trim()).filter(Boolean);
  return {
    path: abs,
    format,
    columns: table.columns,
    rows,
    lines: table.records.map((r) => r.line),
    suggested,
    ...(seen.length > 0
      ? {
          kind: detectKind(
            seen.map((l) => ({ label: l })),
            suggested.textPair !== undefined,
          ),
        }
      : {}),
    labels: discoverLabels(seen),
  };
}
