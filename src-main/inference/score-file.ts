/**
 * A trained run scored on a file: the rows read with the run's columns, every row through base + adapter in
 * batches, then metrics, a confusion matrix, per-class precision/recall and the most confidently wrong examples
 * (evaluation), or each row's prediction (batch prediction). Runs in the inference process for the UI and in the
 * CLI's own process for `studio evaluate` / `studio predict --data`.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationReport, PredictionRow, WrongExample } from '../../src-shared/evaluate.ts';
import { adapterLabels } from '../adapters/base-for-adapter.ts';
import { loadAdapter } from '../adapters/io.ts';
import { DatasetError } from '../data/errors.ts';
import { mapRows, readTable, resolveColumns } from '../data/index.ts';
import type { TextRow } from '../data/types.ts';
import { UserError } from '../errors.ts';
import { STUDIO_ADAPTER_FILE } from '../node-shared/adapter-folder.ts';
import { accuracy, macroF1 } from '../training/metrics.ts';
import type { ModelCache } from './predict.ts';

export interface ScoreFileRequest {
  runId: number;
  model: string;
  adapterDir: string;
  file: string;
  /** The run's columns; the label column is needed to evaluate, optional to predict. */
  columns: { text: string; label: string; textPair?: string };
  maxLength: number;
}

const BATCH = 16;
const MAX_WRONG = 10;
const MAX_TEXT = 300;

/** The file's rows with the run's columns; without labels (prediction) when the file has no label column. */
export function readRows(req: ScoreFileRequest, needLabels: boolean): TextRow[] {
  const { table } = readTable(req.file);
  const hasLabel = table.columns.includes(req.columns.label);
  if (needLabels || hasLabel) return mapRows(req.file, table, resolveColumns(req.file, table, req.columns));
  if (!table.columns.includes(req.columns.text))
    throw new DatasetError(
      req.file,
      `column "${req.columns.text}" (text) not found; columns are: ${table.columns.join(', ')}`,
    );
  return table.records.map(({ values, line }) => {
    const text = String(values[req.columns.text] ?? '');
    if (!text.trim()) throw new DatasetError(req.file, `empty text in column "${req.columns.text}"`, line);
    const pair = req.columns.textPair ? String(values[req.columns.textPair] ?? '') : undefined;
    return { text, label: '', line, ...(pair !== undefined ? { textPair: pair } : {}) };
  });
}

/**
 * The base loaded for the run's adapter and the labels it predicts: the adapter's own (ours records them), else
 * the base classifier's (a PEFT adapter keeps the base's label set).
 */
function loadForRun(cache: ModelCache, req: ScoreFileRequest, routing = false) {
  const own = routing ? (routesOf(req.adapterDir) ?? undefined) : adapterLabels(req.adapterDir);
  const { entry } = cache.get(req.model, own);
  const labels =
    own ?? (entry.model.config.task === 'sequence-classification' ? entry.model.config.labels : []);
  if (labels.length === 0)
    throw new UserError(`${req.adapterDir}: this run is not a text classifier: there are no labels to score`);
  if (!entry.tok) throw new UserError(`${req.model}: evaluating a file needs a text model with a tokenizer`);
  return { entry, tok: entry.tok, labels };
}

/**
 * A router's routing classes (one per adapter, `01 #1 questions adapter`, …), or null for any other adapter. A file
 * labelled with them (its run's validation data) is scored on the routing task: task vs picked adapter.
 */
function routesOf(dir: string): string[] | null {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, STUDIO_ADAPTER_FILE), 'utf8')) as {
      method?: string;
      config?: { routes?: unknown };
    };
    const r = meta.config?.routes;
    return meta.method === 'router' && Array.isArray(r) ? r.map(String) : null;
  } catch {
    return null;
  }
}

/** Softmax probabilities [rows][labels] of base + the run's adapter over `rows` (a router's routing: `routing`). */
async function probabilities(
  cache: ModelCache,
  req: ScoreFileRequest,
  rows: readonly TextRow[],
  routing = false,
) {
  const { entry, tok, labels } = loadForRun(cache, req, routing);
  const adapter = loadAdapter(entry.model, req.adapterDir);
  const out: Float32Array[] = [];
  try {
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const enc = batch.map((r) =>
        tok.encode(r.text, { pair: r.textPair || undefined, maxLength: req.maxLength }),
      );
      const len = Math.max(...enc.map((e) => e.ids.length));
      const pad = (f: (e: (typeof enc)[number], i: number) => number) =>
        enc.flatMap((e) => Array.from({ length: len }, (_, i) => (i < e.ids.length ? f(e, i) : 0)));
      const inputs = {
        inputIds: tf.tensor2d(
          pad((e, i) => e.ids[i] ?? 0),
          [batch.length, len],
          'int32',
        ),
        attentionMask: tf.tensor2d(
          pad(() => 1),
          [batch.length, len],
          'int32',
        ),
        tokenTypeIds: tf.tensor2d(
          pad((e, i) => e.typeIds[i] ?? 0),
          [batch.length, len],
          'int32',
        ),
      };
      let data: Float32Array;
      try {
        // A router runs the model more than once (its pick, then the adapters): its own forward answers.
        const logits =
          adapter.forward && !routing
            ? await adapter.forward(entry.model, inputs)
            : tf.tidy(() => entry.model.forward(inputs, { hooks: adapter.hooks }).logits);
        const probs = tf.tidy(() => tf.softmax(logits));
        logits.dispose();
        // Read asynchronously: a synchronous read of a GPU tensor fails on the webgpu backend under Node.
        data = (await probs.data().finally(() => probs.dispose())) as Float32Array;
      } finally {
        tf.dispose(Object.values(inputs));
      }
      for (let r = 0; r < batch.length; r++) out.push(data.slice(r * labels.length, (r + 1) * labels.length));
    }
  } finally {
    adapter.dispose();
  }
  return { labels, probs: out };
}

const argmax = (p: Float32Array): number => p.indexOf(Math.max(...p));

/** Every row's prediction (batch prediction to a file), with the labels in probability order. */
export async function predictRows(
  cache: ModelCache,
  req: ScoreFileRequest,
): Promise<{ labels: string[]; rows: PredictionRow[] }> {
  const rows = readRows(req, false);
  const { labels, probs } = await probabilities(cache, req, rows);
  return {
    labels,
    rows: rows.map((r, i) => {
      const p = probs[i] as Float32Array;
      const k = argmax(p);
      return {
        line: r.line,
        text: r.text,
        predicted: labels[k] ?? String(k),
        confidence: p[k] ?? 0,
        probabilities: Array.from(p),
      };
    }),
  };
}

/** Metrics, confusion matrix, per-class scores and the most confidently wrong rows of the run on the file. */
export async function evaluateRows(cache: ModelCache, req: ScoreFileRequest): Promise<EvaluationReport> {
  const rows = readRows(req, true);
  if (rows.length === 0) throw new DatasetError(req.file, 'has no rows to evaluate');
  const routes = routesOf(req.adapterDir);
  const routing = routes !== null && rows.every((r) => routes.includes(r.label));
  const { labels } = loadForRun(cache, req, routing);
  const index = new Map(labels.map((l, i) => [l, i]));
  const gold = rows.map((r) => {
    const g = index.get(r.label);
    if (g === undefined)
      throw new DatasetError(
        req.file,
        `label "${r.label}" is not one the run was trained on (${labels.join(', ')})`,
        r.line,
      );
    return g;
  });
  const { probs } = await probabilities(cache, req, rows, routing);
  const predicted = probs.map(argmax);
  const n = labels.length;
  const confusion = labels.map(() => new Array<number>(n).fill(0));
  let nll = 0;
  const wrong: WrongExample[] = [];
  rows.forEach((r, i) => {
    const g = gold[i] as number;
    const p = predicted[i] as number;
    const probsRow = probs[i] as Float32Array;
    (confusion[g] as number[])[p] = ((confusion[g] as number[])[p] ?? 0) + 1;
    nll -= Math.log(Math.max(probsRow[g] ?? 0, 1e-12));
    if (g !== p)
      wrong.push({
        line: r.line,
        text: r.text.length > MAX_TEXT ? `${r.text.slice(0, MAX_TEXT)}…` : r.text,
        gold: labels[g] as string,
        predicted: labels[p] as string,
        confidence: probsRow[p] ?? 0,
      });
  });
  const perClass = labels.map((label, c) => {
    const tp = (confusion[c] as number[])[c] ?? 0;
    const support = (confusion[c] as number[]).reduce((a, b) => a + b, 0);
    const predictedC = confusion.reduce((a, row) => a + (row[c] ?? 0), 0);
    const precision = predictedC === 0 ? 0 : tp / predictedC;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return {
    runId: req.runId,
    file: req.file,
    examples: rows.length,
    labels,
    metrics: {
      accuracy: accuracy(predicted, gold),
      macroF1: macroF1(predicted, gold, n),
      loss: nll / rows.length,
    },
    confusion,
    perClass,
    confidentlyWrong: wrong.sort((a, b) => b.confidence - a.confidence).slice(0, MAX_WRONG),
  };
}
