/**
 * The Compare view as a shareable report (issue #19): the chosen runs' curves, final metrics, efficiency,
 * forgetting, configs, and the content hashes of their datasets and base models, as one self-contained HTML file
 * (src-shared/report/). Bundles carry the same report for their run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { RunView } from '../../src-shared/domain.ts';
import { renderReportHtml } from '../../src-shared/report/html.ts';
import type { ReportDoc, ReportLine, ReportSection } from '../../src-shared/report/model.ts';
import { getDataset } from '../db/tables/datasets.ts';
import { getProject } from '../db/tables/project.ts';
import { forgettingForRun } from '../db/tables/forgetting.ts';
import { getRun } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { runSeries, runView } from './runs.ts';

/** The curves a reader looks at first, in this order (others follow by name). */
const CURVES: readonly [split: string, name: string, title: string][] = [
  ['train', 'loss', 'Training loss'],
  ['validation', 'loss', 'Validation loss'],
  ['validation', 'accuracy', 'Validation accuracy'],
  ['validation', 'macroF1', 'Validation macro F1'],
  ['validation', 'perplexity', 'Validation perplexity'],
];

const label = (r: RunView) => `#${r.id} ${r.name}`;
const percent = (r: RunView) =>
  r.trainableParams !== null && r.totalParams ? (100 * r.trainableParams) / r.totalParams : null;

function hashesOf(db: Database, runs: readonly RunView[]): ReportSection {
  const rows = runs.map((r) => {
    const rec = getRun(db, r.id);
    const ds = rec?.datasetId == null ? undefined : getDataset(db, rec.datasetId);
    const model =
      rec?.baseModelId == null
        ? undefined
        : (db.prepare('SELECT path, content_hash FROM base_models WHERE id = ?').get(rec.baseModelId) as
            | { path: string; content_hash: string }
            | undefined);
    return [
      label(r),
      ds?.name ?? '—',
      ds?.contentHash ?? null,
      model?.path ?? String(r.config.model ?? '—'),
      model?.content_hash ?? null,
    ];
  });
  return {
    kind: 'table',
    title: 'Data and base models',
    columns: ['Run', 'Dataset', 'Dataset sha256', 'Base model', 'Base model content hash'],
    rows,
    note: 'Content hashes identify the exact dataset file and model weights each run used.',
  };
}

/** The report of runs `runIds` of the project (in the order given). */
export function compareReport(
  db: Database,
  projectName: string,
  runIds: readonly number[],
  generator: string,
  now = new Date(),
): ReportDoc {
  if (runIds.length === 0) throw new UserError('choose at least one run to report on');
  const runs = runIds.map((id) => runView(db, id));
  const series = new Map(runs.map((r) => [r.id, runSeries(db, r.id)]));
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.finalMetrics)))].sort();
  const sections: ReportSection[] = [
    {
      kind: 'table',
      title: 'Runs',
      columns: [
        'Run',
        'Method',
        'Status',
        'Steps',
        'Trainable parameters',
        '% trainable',
        'Adapter bytes',
        ...metricNames.map((m) => `final ${m}`),
      ],
      digits: [0, 0, 0, 0, 0, 3, 0, ...metricNames.map(() => 4)],
      rows: runs.map((r) => [
        label(r),
        r.method,
        r.status,
        r.step,
        r.trainableParams,
        percent(r),
        r.adapterBytes,
        ...metricNames.map((m) => r.finalMetrics[m] ?? null),
      ]),
    },
  ];
  for (const [split, name, title] of CURVES) {
    const lines: ReportLine[] = runs.flatMap((r) => {
      const s = series.get(r.id)?.find((x) => x.split === split && x.name === name);
      return s ? [{ label: label(r), xs: s.steps, ys: s.values }] : [];
    });
    if (lines.length) sections.push({ kind: 'lines', title, xLabel: 'step', yLabel: name, lines });
  }
  const headline = metricNames.find((m) => m === 'accuracy') ?? metricNames[0];
  if (headline)
    sections.push({
      kind: 'scatter',
      title: `Efficiency: final ${headline} vs % of parameters trained`,
      xLabel: '% of parameters trained (log scale)',
      yLabel: headline,
      logX: true,
      points: runs.flatMap((r) => {
        const x = percent(r);
        const y = r.finalMetrics[headline];
        return x !== null && y !== undefined ? [{ label: label(r), x, y }] : [];
      }),
    });
  const forgetting = runs.flatMap((r) => forgettingForRun(db, r.id).map((f) => ({ r, f })));
  if (forgetting.length)
    sections.push({
      kind: 'table',
      title: 'Forgetting (reference sets scored before and after training)',
      columns: [
        'Run',
        'Reference',
        'Base weights changed',
        'LM loss before',
        'LM loss after',
        'LM top-1 agreement',
        'Probe agreement',
        'Probe accuracy before',
        'Probe accuracy after',
      ],
      digits: [0, 0, 0, 4, 4, 3, 3, 3, 3],
      rows: forgetting.map(({ r, f }) => [
        label(r),
        f.reference.startsWith('sample:') ? f.reference : path.basename(f.reference),
        `${f.baseWeightsChanged} of ${f.baseWeights}`,
        f.lm?.lossBefore ?? null,
        f.lm?.lossAfter ?? null,
        f.lm?.agreement ?? null,
        f.classification?.agreement ?? null,
        f.classification?.accuracyBefore ?? null,
        f.classification?.accuracyAfter ?? null,
      ]),
      note: 'An adapter leaves the base model untouched (0 weights changed); full fine-tuning overwrites it.',
    });
  sections.push(hashesOf(db, runs));
  sections.push({
    kind: 'configs',
    title: 'Configs',
    items: runs.map((r) => ({ label: label(r), value: r.config })),
  });
  return {
    title: runs.length === 1 ? `Run ${label(runs[0] as RunView)}` : `Comparing ${runs.length} runs`,
    subtitle: `Project ${projectName}: ${runs.map(label).join(', ')}`,
    generatedAt: now.toISOString(),
    generator,
    sections,
  };
}

/** The report's file name: `compare-1-2-3.html`, `run-4.html`. */
export const reportFileName = (runIds: readonly number[]): string =>
  runIds.length === 1 ? `run-${runIds[0]}.html` : `compare-${runIds.join('-')}.html`;

/** The report of one run (a bundle's report.html). */
export function runReportHtml(db: Database, projectDir: string, runId: number, generator: string): string {
  return renderReportHtml(
    compareReport(db, getProject(db)?.name ?? path.basename(projectDir), [runId], generator),
  );
}

/** Writes the report into the project's reports/ folder and returns its path and HTML. */
export function writeCompareReport(
  db: Database,
  projectDir: string,
  projectName: string,
  runIds: readonly number[],
  generator: string,
): { path: string; fileName: string; html: string } {
  const html = renderReportHtml(compareReport(db, projectName, runIds, generator));
  const fileName = reportFileName(runIds);
  const file = path.join(projectDir, 'reports', fileName);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, html);
  return { path: file, fileName, html };
}
