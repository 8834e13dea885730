/** CSV and TSV via papaparse, with errors placed on the physical line a user sees in an editor. */
import Papa from 'papaparse';
import { DatasetError } from './errors.ts';
import { countNewlines } from './table.ts';
import type { Table, TableRecord } from './table.ts';

/** Options for `parseDelimited`. */
export interface DelimitedOptions {
  /** `,` for CSV, `\t` for TSV. */
  delimiter: string;
  /** Stop after this many data records (previews of large files). */
  maxRecords?: number;
}

/**
 * Parses delimited text with a header row. Every data record must have as many fields as the header; blank
 * lines are skipped. Quoted fields may span lines, so each record carries the line it starts on.
 */
export function parseDelimited(file: string, raw: string, opts: DelimitedOptions): Table {
  // One newline convention: papaparse guesses it from the first line, and mixed endings would leak `\r` into
  // values. The number of `\n` (so every physical line number) is unchanged.
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  let header: string[] | undefined;
  const records: TableRecord[] = [];
  let start = 0;
  let line = 1;
  let failure: DatasetError | undefined;
  Papa.parse<string[]>(text, {
    delimiter: opts.delimiter,
    newline: '\n',
    skipEmptyLines: false,
    step: (result, p) => {
      const end = result.meta.cursor;
      const rowLine = line;
      line += countNewlines(text, start, end);
      start = end;
      const fail = (problem: string, at = rowLine) => {
        failure = new DatasetError(file, problem, at);
        p.abort();
      };
      const err = result.errors[0];
      if (err) {
        const at =
          err.index !== undefined ? 1 + countNewlines(text, 0, Math.min(err.index, text.length)) : rowLine;
        // A stray quote also leaves the field unclosed; name the cause, not the consequence.
        if (err.code === 'InvalidQuotes')
          return fail('a quote inside a quoted field must be doubled ("")', at);
        if (err.code === 'MissingQuotes')
          return fail('a quoted field is never closed (broken quote)', rowLine);
        return fail(err.message, at);
      }
      const row = result.data;
      if (row.every((v) => v.trim() === '')) return; // blank line
      if (!header) {
        const cols = row.map((h) => h.trim());
        const empty = cols.findIndex((c) => c === '');
        if (empty >= 0) return fail(`column ${empty + 1} of the header has no name`);
        const dup = cols.find((c, i) => cols.indexOf(c) !== i);
        if (dup !== undefined) return fail(`the header names column "${dup}" twice`);
        header = cols;
        return;
      }
      if (row.length !== header.length) {
        return fail(`has ${row.length} field${row.length === 1 ? '' : 's'}, the header has ${header.length}`);
      }
      const cols = header;
      records.push({ values: Object.fromEntries(cols.map((c, i) => [c, row[i]])), line: rowLine });
      if (opts.maxRecords !== undefined && records.length >= opts.maxRecords) p.abort();
    },
  });
  if (failure) throw failure;
  if (!header) throw new DatasetError(file, 'has no header row');
  return { columns: header, records };
}
