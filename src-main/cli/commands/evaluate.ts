/**
 * `studio evaluate --project DIR --run ID --data FILE [--json]` and the file form of `studio predict`
 * (`--project DIR --run ID --data FILE --out OUT.csv|.jsonl`): a trained run scored on a CSV/JSONL file with the
 * run's text/label columns.
 */
import type { Command } from 'commander';
import type { EvaluationReport } from '../../../src-shared/evaluate.ts';
import { PROJECT_DB_FILE } from '../../app/paths.ts';
import { initBackend } from '../../engine/backends.ts';
import { ModelCache } from '../../inference/predict.ts';
import { evaluateRows, predictRows } from '../../inference/score-file.ts';
import { scoreRequest, writePredictions } from '../../services/evaluate.ts';
import { isProjectDir } from '../../services/projects.ts';
import { UserError } from '../errors.ts';
import { openProject } from './train.ts';

export function runIdOption(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new UserError(`--run: "${value}" is not a run id`);
  return id;
}

/** Opens the project, builds the scorer's request and runs `f` with a model cache, closing everything after. */
export async function withRunOnFile<T>(
  opts: { project: string; run: string; data: string },
  f: (cache: ModelCache, req: ReturnType<typeof scoreRequest>) => T | Promise<T>,
): Promise<T> {
  if (!isProjectDir(opts.project))
    throw new UserError(`${opts.project}/${PROJECT_DB_FILE}: not an Adapter Studio project`);
  const { projects, dir } = openProject(opts.project);
  try {
    const req = scoreRequest(projects.db(dir), dir, runIdOption(opts.run), opts.data);
    await initBackend();
    const cache = new ModelCache();
    try {
      // Awaited: the cache must outlive an asynchronous f.
      return await f(cache, req);
    } finally {
      cache.dispose();
    }
  } finally {
    projects.close();
  }
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function printReport(r: EvaluationReport): void {
  const w = Math.max(8, ...r.labels.map((l) => l.length));
  const lines = [
    `${r.file}: ${r.examples} examples`,
    `accuracy ${r.metrics.accuracy.toFixed(4)}  macro F1 ${r.metrics.macroF1.toFixed(4)}  loss ${r.metrics.loss.toFixed(4)}`,
    '',
    `confusion (rows: true label, columns: predicted)`,
    `${''.padEnd(w)} ${r.labels.map((l) => l.padStart(w)).join(' ')}`,
    ...r.confusion.map(
      (row, i) => `${(r.labels[i] ?? '').padEnd(w)} ${row.map((v) => String(v).padStart(w)).join(' ')}`,
    ),
    '',
    `${'class'.padEnd(w)} precision  recall      f1  support`,
    ...r.perClass.map(
      (c) =>
        `${c.label.padEnd(w)} ${pct(c.precision).padStart(9)} ${pct(c.recall).padStart(7)} ${pct(c.f1).padStart(7)} ${String(c.support).padStart(8)}`,
    ),
  ];
  if (r.confidentlyWrong.length) {
    lines.push('', 'most confidently wrong:');
    for (const e of r.confidentlyWrong)
      lines.push(
        `  line ${e.line}: ${e.gold} -> ${e.predicted} (${pct(e.confidence)}) ${JSON.stringify(e.text)}`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description("score a trained run on a CSV/JSONL file with the run's text/label columns")
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--run <id>', 'run id')
    .requiredOption('--data <file>', 'CSV/TSV/JSONL file with the columns the run trained on')
    .option('--json', 'print the report as one JSON line')
    .action(async (opts: { project: string; run: string; data: string; json?: boolean }) => {
      const report = await withRunOnFile(opts, evaluateRows);
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else printReport(report);
    });
}

/** `studio predict --project DIR --run ID --data FILE --out OUT.csv|.jsonl`. */
export async function predictFileCommand(opts: {
  project: string;
  run: string;
  data: string;
  out: string;
}): Promise<void> {
  const { out, rows } = await withRunOnFile(opts, async (cache, req) => {
    const { labels, rows } = await predictRows(cache, req);
    return { rows, out: writePredictions(opts.out, labels, rows) };
  });
  process.stderr.write(`wrote ${out} (${rows.length} predictions)\n`);
  process.stdout.write(`${out}\n`);
}
