import path from 'node:path';
import type { Command } from 'commander';
import { insertContinualFusion } from '../../db/tables/continual-fusions.ts';
import { UserError } from '../../errors.ts';
import { continualFusionConfig } from '../../services/continual-fusion.ts';
import { isProjectDir } from '../../services/projects.ts';
import { markStaleRunsInterrupted, startRun, validateRun } from '../../services/training.ts';
import { preflightReady } from '../../training/preflight/backend.ts';
import { preflightRun } from '../../training/preflight/index.ts';
import { followRun, openProject, reporterFor, stopOnSignals } from './train.ts';

/** A positive whole number option (`--run`), else one line naming the option. */
function idOption(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new UserError(`${name}: "${value}" is not a run id`);
  return n;
}

/**
 * `studio continual-fuse --project DIR --run ID --task NAME [--epochs N] [--json]`: the Continual page's "Fuse
 * the tasks' adapters": AdapterFusion over a finished continual run's stage adapters, trained on one of its tasks.
 */
export function register(program: Command): void {
  program
    .command('continual-fuse')
    .description("train AdapterFusion over a finished continual run's stage adapters on one of its tasks")
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--run <id>', 'the continual run (bottleneck method)')
    .requiredOption('--task <name>', 'the task (of the sequence) to train the fusion on')
    .option('--epochs <n>', "epochs of the fusion (default: the sequence's epochs per task)")
    .option('--json', 'print the JSON summary as the last stdout line')
    .action(async (opts: { project: string; run: string; task: string; epochs?: string; json?: boolean }) => {
      // Never creates a project: a mistyped path must leave nothing behind.
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, 'studio.db')}: not an Adapter Studio project`);
      const epochs = opts.epochs === undefined ? undefined : Number(opts.epochs);
      if (epochs !== undefined && !(epochs > 0))
        throw new UserError(`--epochs: "${opts.epochs}" is not a positive number`);
      const runId = idOption('--run', opts.run);
      await preflightReady();
      const { projects, dir } = openProject(opts.project);
      try {
        const db = projects.db(dir);
        markStaleRunsInterrupted(db);
        const config = continualFusionConfig(
          db,
          dir,
          runId,
          opts.task,
          epochs !== undefined ? { epochs } : {},
        );
        const dataset = validateRun(config);
        preflightRun(config, dataset);
        const { onMessage } = reporterFor();
        const run = startRun(db, dir, config, onMessage, undefined, dataset);
        insertContinualFusion(db, { fusionRunId: run.runId, continualRunId: runId, task: opts.task });
        stopOnSignals(run);
        process.exitCode = await followRun(run, Boolean(opts.json), onMessage);
      } finally {
        projects.close();
      }
    });
}
