/** The common shape that CSV, TSV, JSONL and JSON arrays are parsed into, before column mapping. */

/** One record with the 1-based physical line it starts on. */
export interface TableRecord {
  values: Record<string, unknown>;
  line: number;
}

/** A parsed table: its columns in file order and its records. */
export interface Table {
  columns: string[];
  records: TableRecord[];
}

/** Counts `\n` in `s` between `from` and `to`. */
export function countNewlines(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}
