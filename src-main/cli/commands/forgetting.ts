/**
 * `studio forgetting --project DIR --run ID --reference FILE|sample:NAME [--max-examples N] [--json]`: a completed
 * run scored on a reference set after the fact (the base model before and the base the run left), stored with the
 * run; and the same scoring after `studio train` when the config has a `forgetting` block.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { ForgettingReport } from '../../../src-shared/forgetting.ts';
import type { DatasetSpec, ForgettingSpec } from '../../../src-shared/train-config.ts';
import type { Database } from 'better-sqlite3';
import { PROJECT_DB_FILE } from '../../app/paths.ts';
import { initBackend } from '../../engine/backends.ts';
import { scoreForgetting } from '../../inference/forgetting.ts';
import { forgettingRequest, scoreAfterRun, storeForgetting } from '../../services/forgetting.ts';
import { isProjectDir } from '../../services/projects.ts';
import { UserError } from '../errors.ts';
import { runIdOption } from './evaluate.ts';
import { openProject } from './train.ts';

/** `sample:NAME` names a built-in sample; anything else is a file (relative to the working folder). */
export function referenceOption(value: string, columns: { text?: string; label?: string }): DatasetSpec {
  if (value.startsWith('sample:')) return { sample: value.slice('sample:'.length) };
  return { path: path.resolve(value), ...columns };
}

const f4 = (v: number) => v.toFixed(4);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;

/** The report as a few lines for a terminal. */
export function forgettingLines(r: ForgettingReport): string[] {
  const lines = [
    `forgetting on ${r.reference} (${r.examples} examples): ${r.baseWeightsChanged} of ${r.baseWeights} base weights changed`,
  ];
  if (r.lm)
    lines.push(
      `  ${r.lm.objective} loss ${f4(r.lm.lossBefore)} -> ${f4(r.lm.lossAfter)} (${signed(r.lm.lossAfter - r.lm.lossBefore)}), perplexity ${r.lm.perplexityBefore.toFixed(2)} -> ${r.lm.perplexityAfter.toFixed(2)}, top-1 agreement with the base ${pct(r.lm.agreement)} of ${r.lm.tokens} tokens`,
    );
  if (r.classification)
    lines.push(
      `  probe (${r.classification.labels.join(', ')}): loss ${f4(r.classification.lossBefore)} -> ${f4(r.classification.lossAfter)}, accuracy ${pct(r.classification.accuracyBefore)} -> ${pct(r.classification.accuracyAfter)}, agreement with the base ${pct(r.classification.agreement)}`,
    );
  return lines;
}

/** Scores run `runId` on its config's reference in this process, if it named one (after `studio train`). */
export async function forgettingAfterTrain(
  db: Database,
  projectDir: string,
  runId: number,
): Promise<ForgettingReport | null> {
  // The engine starts only for a run that asked to be scored: the backend's probe and start-up (a WebGPU device on
  // a GPU machine) would otherwise be paid after every `studio train` for nothing.
  return scoreAfterRun(db, projectDir, runId, async (req) => {
    await initBackend();
    return scoreForgetting(req);
  });
}

export function register(program: Command): void {
  program
    .command('forgetting')
    .description(
      'score a completed run on a reference set: the base model before training and the base the run left',
    )
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--run <id>', 'run id')
    .requiredOption(
      '--reference <file>',
      'a text corpus (.txt), a CSV/TSV/JSONL dataset (an earlier task), or sample:NAME',
    )
    .option('--text <column>', "the reference's text column (default: text)")
    .option('--label <column>', "the reference's label column (default: label)")
    .option('--max-examples <n>', 'reference examples scored at most (default 200)')
    .option('--json', 'print the report as one JSON line')
    .action(
      async (opts: {
        project: string;
        run: string;
        reference: string;
        text?: string;
        label?: string;
        maxExamples?: string;
        json?: boolean;
      }) => {
        if (!isProjectDir(opts.project))
          throw new UserError(`${opts.project}/${PROJECT_DB_FILE}: not an Adapter Studio project`);
        const max = opts.maxExamples === undefined ? undefined : Number(opts.maxExamples);
        if (max !== undefined && (!Number.isInteger(max) || max <= 0 || max > 5000))
          throw new UserError(`--max-examples: "${opts.maxExamples}" is not a whole number from 1 to 5000`);
        const spec: ForgettingSpec = {
          reference: referenceOption(opts.reference, {
            ...(opts.text ? { text: opts.text } : {}),
            ...(opts.label ? { label: opts.label } : {}),
          }),
          ...(max !== undefined ? { maxExamples: max } : {}),
        };
        const runId = runIdOption(opts.run);
        const { projects, dir } = openProject(opts.project);
        try {
          const db = projects.db(dir);
          const req = forgettingRequest(db, dir, runId, spec);
          await initBackend();
          const report = storeForgetting(db, runId, req, await scoreForgetting(req));
          process.stdout.write(
            opts.json ? `${JSON.stringify(report)}\n` : `${forgettingLines(report).join('\n')}\n`,
          );
        } finally {
          projects.close();
        }
      },
    );
}
