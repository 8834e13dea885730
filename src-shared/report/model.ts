/**
 * A shareable report (issue #19): what one self-contained HTML file shows, as plain data. Compare builds one from
 * the chosen runs; sweeps and the method shoot-out can build theirs from the same sections (text, tables, line
 * charts, scatter plots, configs, hashes) and render them with renderReportHtml.
 */

/** A cell of a table: text, a number (formatted by the table's column), or empty. */
export type ReportCell = string | number | null;

export interface ReportLine {
  label: string;
  xs: number[];
  ys: number[];
}

export interface ReportPoint {
  label: string;
  x: number;
  y: number;
  /** Relative marker size (1 = normal). */
  size?: number;
}

export type ReportSection =
  | { kind: 'text'; title?: string; paragraphs: string[] }
  | {
      kind: 'table';
      title: string;
      columns: string[];
      rows: ReportCell[][];
      /** Decimals per numeric column (default 4). */
      digits?: number[];
      note?: string;
    }
  | { kind: 'lines'; title: string; xLabel: string; yLabel: string; lines: ReportLine[] }
  | {
      kind: 'scatter';
      title: string;
      xLabel: string;
      yLabel: string;
      points: ReportPoint[];
      /** Log-scaled x axis (e.g. % of parameters trained). */
      logX?: boolean;
    }
  | { kind: 'configs'; title: string; items: { label: string; value: unknown }[] };

export interface ReportDoc {
  title: string;
  /** One line under the title: the project, what was compared. */
  subtitle?: string;
  /** ISO time the report was made. */
  generatedAt: string;
  /** The studio version that made it. */
  generator: string;
  sections: ReportSection[];
}
