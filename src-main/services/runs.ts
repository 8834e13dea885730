import type { Database } from 'better-sqlite3';
import { LOWER_IS_BETTER, headlineOf } from '../../src-shared/domain.ts';
import type { MetricSeries, RunBaseline, RunView } from '../../src-shared/domain.ts';
import { getDataset } from '../db/tables/datasets.ts';
import { BASELINE_METRICS } from '../training/baseline.ts';
import { artifactsForRun } from '../db/tables/artifacts.ts';
import { finalMetrics, metricsForRun } from '../db/tables/metrics.ts';
import { getRun, listRuns } from '../db/tables/runs.ts';
import { tagsByRun, tagsForRun } from '../db/tables/run-tags.ts';
import type { RunRecord } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';

/** The best value of every validation metric of a run (max, or min where lower is better). */
function bestMetrics(db: Database, runId: number): Record<string, number> {
  const rows = db
    .prepare(
      `SELECT name, max(value) AS hi, min(value) AS lo FROM metrics
       WHERE run_id = ? AND split = 'validation' GROUP BY name`,
    )
    .all(runId) as { name: string; hi: number; lo: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, LOWER_IS_BETTER.has(r.name) ? r.lo : r.hi]));
}

/** The majority-class baseline stored when the run started (null for runs without classes or older runs). */
function baselineOf(db: Database, r: RunRecord): RunBaseline | null {
  const rows = db
    .prepare(
      `SELECT name, value FROM metrics WHERE run_id = ? AND split = 'system' AND step = 0 AND name IN (?, ?, ?)`,
    )
    .all(r.id, BASELINE_METRICS.accuracy, BASELINE_METRICS.macroF1, BASELINE_METRICS.classIndex) as {
    name: string;
    value: number;
  }[];
  const v = Object.fromEntries(rows.map((row) => [row.name, row.value]));
  const acc = v[BASELINE_METRICS.accuracy];
  if (acc === undefined) return null;
  const classIndex = v[BASELINE_METRICS.classIndex];
  const labels = r.datasetId === null ? [] : (getDataset(db, r.datasetId)?.labels ?? []);
  return {
    accuracy: acc,
    macroF1: v[BASELINE_METRICS.macroF1] ?? 0,
    label: classIndex === undefined ? null : (labels[classIndex] ?? null),
  };
}

function withHeadline(
  final: Record<string, number>,
  best: Record<string, number>,
  baseline: RunBaseline | null,
): Pick<RunView, 'finalMetrics' | 'bestMetrics' | 'baseline' | 'headline'> {
  return { finalMetrics: final, bestMetrics: best, baseline, headline: headlineOf(final, best, baseline) };
}

function toView(db: Database, r: RunRecord, tags = tagsForRun(db, r.id)): RunView {
  const adapter = artifactsForRun(db, r.id)
    .filter((a) => a.kind === 'adapter')
    .at(-1);
  return {
    id: r.id,
    name: r.name,
    method: r.method,
    status: r.status,
    message: r.message,
    warning: r.warning,
    step: r.step,
    totalSteps: r.totalSteps,
    trainableParams: r.trainableParams,
    totalParams: r.totalParams,
    adapterBytes: adapter?.bytes ?? null,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    config: r.config,
    notes: r.notes,
    tags,
    ...withHeadline(finalMetrics(db, r.id), bestMetrics(db, r.id), baselineOf(db, r)),
  };
}

export function listRunViews(db: Database): RunView[] {
  const tags = tagsByRun(db);
  return listRuns(db).map((r) => toView(db, r, tags.get(r.id) ?? []));
}

export function runView(db: Database, runId: number): RunView {
  const r = getRun(db, runId);
  if (!r) throw new UserError(`run ${runId}: no such run in this project`);
  return toView(db, r);
}

/** A run's metrics grouped into series, optionally only the points after `sinceStep` (live updates). */
export function runSeries(db: Database, runId: number, sinceStep = -1): MetricSeries[] {
  const bySeries = new Map<string, MetricSeries>();
  for (const p of metricsForRun(db, runId, sinceStep)) {
    const key = `${p.split}/${p.name}`;
    let s = bySeries.get(key);
    if (!s) {
      s = { split: p.split, name: p.name, steps: [], values: [] };
      bySeries.set(key, s);
    }
    s.steps.push(p.step);
    s.values.push(p.value);
  }
  return [...bySeries.values()];
}
