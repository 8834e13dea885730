/**
 * Evaluation and batch prediction of a run (run page, `studio evaluate`, `studio predict --data`): the request
 * the scorer needs, built from the run's record, and prediction files written as CSV or JSONL.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import Papa from 'papaparse';
import type { PredictionRow } from '../../src-shared/evaluate.ts';
import { getDataset } from '../db/tables/datasets.ts';
import { UserError } from '../errors.ts';
import { runSource } from '../export/run-source.ts';
import type { ScoreFileRequest } from '../inference/score-file.ts';

/** The scorer's request for run `runId` of the project on `file` (checked to exist). */
export function scoreRequest(
  db: Database,
  projectDir: string,
  runId: number,
  file: string,
): ScoreFileRequest {
  const abs = path.resolve(projectDir, file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new UserError(`${abs}: no such file`);
  const s = runSource(db, projectDir, runId);
  const spec = (s.run.config.dataset ?? {}) as Record<string, unknown>;
  const recorded = s.run.datasetId === null ? undefined : getDataset(db, s.run.datasetId)?.columns;
  // The columns the run trained on: as its config names them, else as its dataset was read.
  const col = (role: string, fallback: string): string =>
    typeof spec[role] === 'string' ? (spec[role] as string) : (recorded?.[role] ?? fallback);
  const pair = typeof spec.textPair === 'string' ? spec.textPair : recorded?.textPair;
  const train = (s.run.config.train ?? {}) as { maxLength?: number };
  return {
    runId,
    model: s.model,
    adapterDir: s.adapterDir,
    file: abs,
    columns: { text: col('text', 'text'), label: col('label', 'label'), ...(pair ? { textPair: pair } : {}) },
    maxLength: train.maxLength ?? 128,
  };
}

/** Writes predictions as CSV or JSONL, by the extension of `out`; returns the absolute path. */
export function writePredictions(
  out: string,
  labels: readonly string[],
  rows: readonly PredictionRow[],
): string {
  const abs = path.resolve(out);
  const ext = path.extname(abs).toLowerCase();
  if (ext !== '.csv' && ext !== '.jsonl')
    throw new UserError(`${out}: the output must end in .csv or .jsonl`);
  const records = rows.map((r) => ({
    line: r.line,
    text: r.text,
    predicted: r.predicted,
    confidence: r.confidence,
    ...Object.fromEntries(labels.map((l, i) => [`p_${l}`, r.probabilities[i] ?? 0])),
  }));
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(
    abs,
    ext === '.csv'
      ? `${Papa.unparse(records)}\n`
      : records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''),
  );
  return abs;
}
