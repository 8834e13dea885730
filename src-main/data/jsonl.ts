/** JSON Lines and JSON arrays of objects, with errors on the line of the offending record. */
import { DatasetError } from './errors.ts';
import { countNewlines } from './table.ts';
import type { Table, TableRecord } from './table.ts';
import { jsonSyntaxProblem } from '../errors.ts';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// Never the parser's own message: it quotes the line, and a wrong file picked by mistake may hold secrets.
const jsonProblem = (err: unknown, text: string): string =>
  jsonSyntaxProblem(err, text)
    .replace(/^not valid/, 'invalid')
    .replace('line 1 column', 'column');

function collect(records: TableRecord[]): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r.values)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  return { columns, records };
}

/** One JSON object per line; blank lines are skipped. */
export function parseJsonl(file: string, text: string, maxRecords?: number): Table {
  const records: TableRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (maxRecords !== undefined && records.length >= maxRecords) break;
    const raw = lines[i] as string;
    if (!raw.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new DatasetError(file, jsonProblem(err, raw), i + 1);
    }
    if (!isRecord(v)) throw new DatasetError(file, 'each line must be a JSON object ({...})', i + 1);
    records.push({ values: v, line: i + 1 });
  }
  return collect(records);
}

/**
 * A JSON array of objects. The top level is scanned for element boundaries first, so that each item knows the
 * line it starts on and a syntax error is placed on its item's line (Node 20's JSON.parse gives no position).
 */
export function parseJsonArray(file: string, text: string, maxRecords?: number): Table {
  const spans = arraySpans(file, text);
  const records: TableRecord[] = [];
  for (const [from, to] of spans) {
    if (maxRecords !== undefined && records.length >= maxRecords) break;
    const line = 1 + countNewlines(text, 0, from);
    let v: unknown;
    try {
      v = JSON.parse(text.slice(from, to));
    } catch (err) {
      throw new DatasetError(file, jsonProblem(err, text.slice(from, to)), line);
    }
    if (!isRecord(v))
      throw new DatasetError(file, `item ${records.length + 1} is not an object ({...})`, line);
    records.push({ values: v, line });
  }
  return collect(records);
}

/** [start, end) of each top-level element of a JSON array, tracking strings and nesting only. */
function arraySpans(file: string, text: string): [number, number][] {
  let i = 0;
  const skipWs = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const lineAt = (pos: number) => 1 + countNewlines(text, 0, Math.min(pos, text.length));
  skipWs();
  if (text[i] !== '[') {
    throw new DatasetError(
      file,
      'expected a JSON array of objects ([{...}, ...]); for one object per line use .jsonl',
    );
  }
  i++;
  const spans: [number, number][] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (start < 0 && !/[\s,\]]/.test(c)) start = i;
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0 && c === '}')
        throw new DatasetError(file, 'invalid JSON (an unmatched "}")', lineAt(i));
      if (depth === 0) {
        // The closing bracket of the array itself.
        if (start >= 0) spans.push([start, i]);
        skipTrailing(i + 1);
        return spans;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      if (start < 0) throw new DatasetError(file, 'invalid JSON (an empty item between commas)', lineAt(i));
      spans.push([start, i]);
      start = -1;
    }
  }
  throw new DatasetError(
    file,
    'invalid JSON (the array is never closed)',
    lineAt(start >= 0 ? start : text.length),
  );

  function skipTrailing(from: number): void {
    i = from;
    skipWs();
    if (i < text.length) throw new DatasetError(file, 'invalid JSON (text after the closing "]")', lineAt(i));
  }
}
