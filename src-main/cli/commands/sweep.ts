/**
 * `studio sweep --config FILE`, `studio sweep --project DIR --resume ID` and `studio sweeps --project DIR`: the
 * Experiments page's sweeps on the command line, driven by the same SweepRunner, with the CLI as the supervisor of
 * each trial's training process and its own engine for the pre-flight.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Database } from 'better-sqlite3';
import { sweepConfigSchema } from '../../../src-shared/sweep.ts';
import type { SweepConfig, SweepView } from '../../../src-shared/sweep.ts';
import { UserError } from '../../errors.ts';
import { createSweep, sweepById, sweepView, sweepViews } from '../../experiments/sweeps.ts';
import { SweepRunner } from '../../experiments/sweep-runner.ts';
import type { TrialLauncher } from '../../experiments/sweep-runner.ts';
import { isProjectDir } from '../../services/projects.ts';
import { markStaleRunsInterrupted, resumeRun, startRun, validateRun } from '../../services/training.ts';
import { preflightReady } from '../../training/preflight/backend.ts';
import { preflightRun } from '../../training/preflight/index.ts';
import type { FromWorker } from '../../training/protocol.ts';
import { configHelp } from '../config-help.ts';
import { configPaths, namingConfigFile, readJsonConfig } from '../config-file.ts';
import { openProject, reporterFor } from './train.ts';

function readSweepConfig(file: string, project?: string): SweepConfig {
  const c = readJsonConfig(file, sweepConfigSchema, project ? { project: path.resolve(project) } : {});
  const p = configPaths(file);
  return {
    ...c,
    project: p.abs(c.project),
    base: { ...c.base, model: p.model(c.base.model), dataset: p.dataset(c.base.dataset) },
  };
}

/** Trials started by this process: it supervises each training process, as `studio train` does. */
export function cliLauncher(db: Database, dir: string, onMessage: (m: FromWorker) => void): TrialLauncher {
  return {
    preflight: async (config) => {
      preflightRun(config, validateRun(config));
    },
    start: (config, listen) =>
      startRun(db, dir, config, (m) => {
        onMessage(m);
        listen(m);
      }),
    resume: (runId, listen) =>
      resumeRun(db, dir, runId, (m) => {
        onMessage(m);
        listen(m);
      }),
  };
}

const fmt = (v: number | null) => (v === null ? '     -' : v.toFixed(4).padStart(6));

function printSweep(view: SweepView): void {
  process.stdout.write(`sweep ${view.id} "${view.name}": ${view.status}, ${view.metric} by trial\n`);
  for (const t of view.trials) {
    const values = Object.entries(t.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const best = t.index === view.bestTrial ? '  <- best' : '';
    process.stdout.write(
      `  #${String(t.index + 1).padEnd(3)} ${t.state.padEnd(9)} ${fmt(t.score)}  run ${t.runId ?? '-'}  ${values}${best}${t.message ? `  (${t.message})` : ''}\n`,
    );
  }
}

async function drive(db: Database, dir: string, sweepId: number, json: boolean): Promise<number> {
  const { reporter, onMessage } = reporterFor();
  const runner = new SweepRunner(db, sweepId, cliLauncher(db, dir, onMessage), () => {
    const view = sweepView(db, sweepById(db, sweepId));
    const running = view.trials.find((t) => t.state === 'running');
    if (running) reporter.message(`trial ${running.index + 1}/${view.trials.length}: run ${running.runId}`);
  });
  // Ctrl-C cancels: the training trial keeps its checkpoint and no other starts (`--resume` goes on from there).
  process.once('SIGINT', () => runner.cancel());
  const status = await runner.run();
  const view = sweepView(db, sweepById(db, sweepId));
  if (json) process.stdout.write(`${JSON.stringify(view)}\n`);
  else printSweep(view);
  return status === 'completed' ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('sweep')
    .description(
      'run a grid or random search as a queue of runs, stopping poor trials early (successive halving)',
    )
    .option('--config <file>', 'sweep config (JSON): "base" train settings, the "space" of options to vary')
    .option(
      '--project <dir>',
      'project folder, in place of the config\'s "project" (with --resume: required)',
    )
    .option('--resume <id>', 'continue sweep ID of --project where it stopped')
    .option('--json', 'print the sweep (trials, states, scores, best) as the last stdout line')
    .addHelpText(
      'after',
      () => `\n${configHelp(sweepConfigSchema, 'method')}\n\nExamples and details: docs/CLI.md`,
    )
    .action(async (opts: { config?: string; project?: string; resume?: string; json?: boolean }) => {
      if (Boolean(opts.config) === Boolean(opts.resume))
        throw new UserError('give either --config FILE (a new sweep) or --project DIR --resume ID');
      await preflightReady();
      if (opts.config) {
        const config = readSweepConfig(opts.config, opts.project);
        // Every trial's config and the base's data and model are checked before the project is touched.
        namingConfigFile(opts.config, () => validateRun({ ...config.base, project: config.project }));
        const { projects, dir } = openProject(config.project);
        const db = projects.db(dir);
        markStaleRunsInterrupted(db);
        const id = namingConfigFile(opts.config, () => createSweep(db, config));
        process.exitCode = await drive(db, dir, id, Boolean(opts.json));
        projects.close();
        return;
      }
      if (!opts.project) throw new UserError('--resume needs --project DIR');
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, 'studio.db')}: not an Adapter Studio project`);
      const { projects, dir } = openProject(opts.project);
      const db = projects.db(dir);
      markStaleRunsInterrupted(db);
      const id = Number(opts.resume);
      const sweep = sweepById(db, id);
      if (sweepView(db, sweep).status === 'running')
        throw new UserError(`sweep ${id} is running in another process`);
      process.exitCode = await drive(db, dir, id, Boolean(opts.json));
      projects.close();
    });

  program
    .command('sweeps')
    .description("list a project's sweeps with each trial's state and score")
    .requiredOption('--project <dir>', 'project folder')
    .option('--json', 'print the sweeps as JSON')
    .action((opts: { project: string; json?: boolean }) => {
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, 'studio.db')}: not an Adapter Studio project`);
      const { projects, dir } = openProject(opts.project);
      const views = sweepViews(projects.db(dir));
      if (opts.json) process.stdout.write(`${JSON.stringify(views)}\n`);
      else if (views.length === 0) process.stdout.write('no sweeps in this project\n');
      else views.forEach(printSweep);
      projects.close();
    });
}
