import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Command } from 'commander';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import '../../adapters/schemas.ts';
import type { TrainConfig } from '../../../src-shared/train-config.ts';
import { UserError } from '../../errors.ts';
import { AppStore } from '../../app/app-store.ts';
import { defaultProjectsDir, defaultUserDataDir } from '../../app/paths.ts';
import { ProjectsService, isProjectDir } from '../../services/projects.ts';
import { loadDataset } from '../../data/index.ts';
import {
  markStaleRunsInterrupted,
  resumableConfig,
  resumeRun,
  startRun,
  validateRun,
} from '../../services/training.ts';
import { preflightReady } from '../../training/preflight/backend.ts';
import { preflightRun } from '../../training/preflight/index.ts';
import type { FromWorker } from '../../training/protocol.ts';
import { startTrainingProcess } from '../../training/supervisor.ts';
import type { StartedWorker, SupervisedRun } from '../../training/supervisor.ts';
import { PhaseClock } from '../../training/phase-clock.ts';
import { configHelp } from '../config-help.ts';
import { configPaths, namingConfigFile, readJsonConfig } from '../config-file.ts';
import { ProgressReporter } from '../progress.ts';
import { resumeFromPlan, resumeFromStep } from '../../services/run-checkpoints.ts';
import { namesLibraryRuns, resolveFuseAdapters } from '../../services/compose.ts';
import { forgettingAfterTrain, forgettingLines } from './forgetting.ts';

/** A `--from-step` value: a step number, else one line naming the option. */
export function stepOption(value: string): number {
  const step = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(step))
    throw new UserError(`--from-step: "${value}" is not a step number`);
  return step;
}

/**
 * Reads and validates a train config file; relative paths are taken from the config's folder. `project` (the
 * `--project` option, relative to the working folder) replaces the file's project, which may then be omitted.
 */
export function readTrainConfig(file: string, project?: string): TrainConfig {
  const c = readJsonConfig(file, trainConfigSchema, project ? { project: path.resolve(project) } : {});
  const p = configPaths(file);
  return {
    ...c,
    project: p.abs(c.project),
    model: p.model(c.model),
    dataset: p.dataset(c.dataset),
    ...(c.forgetting
      ? { forgetting: { ...c.forgetting, reference: p.dataset(c.forgetting.reference) } }
      : {}),
  };
}

/** Opens (or creates) the project folder a config names. */
export function openProject(dir: string): { projects: ProjectsService; dir: string } {
  const userData = defaultUserDataDir();
  const projects = new ProjectsService(new AppStore(userData), defaultProjectsDir(userData));
  if (!isProjectDir(dir)) {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) throw new UserError(`${dir}: "project" is a file; name a folder`);
    if (stat && fs.readdirSync(dir).length > 0)
      throw new UserError(
        `${dir}: "project" is a folder with other files and no studio.db; name a new or empty folder`,
      );
    const created = projects.create(path.basename(dir), path.dirname(dir), { ifExists: 'rename' });
    if (created.path !== path.resolve(dir)) {
      try {
        if (stat) fs.rmdirSync(dir);
        fs.renameSync(created.path, dir);
      } catch (err) {
        fs.rmSync(created.path, { recursive: true, force: true });
        projects.forget(created.path);
        throw err;
      }
      projects.forget(created.path);
      projects.open(dir);
    }
  }
  return { projects, dir: path.resolve(dir) };
}

/** Prints progress while the run trains and the JSON summary (with --json) as the last stdout line. */
export async function followRun(
  run: SupervisedRun,
  json: boolean,
  onMessage: (m: FromWorker) => void,
  /** Work after a completed run whose result joins the summary (the forgetting report). */
  after?: () => Promise<Record<string, unknown>>,
): Promise<number> {
  // The outcome as recorded: no wait for the training process to finish exiting (supervisor.ts `recorded`).
  const outcome = await run.recorded;
  const extra = outcome.status === 'completed' && after ? await after() : {};
  const summary = {
    runId: run.runId,
    status: outcome.status,
    metrics: outcome.summary?.metrics ?? {},
    trainableParams: outcome.summary?.trainableParams ?? null,
    totalParams: outcome.summary?.totalParams ?? null,
    adapterDir: outcome.summary?.adapterDir ?? null,
    ...(outcome.message ? { message: outcome.message } : {}),
    ...(outcome.warning ? { warning: outcome.warning } : {}),
    ...extra,
  };
  void onMessage;
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `run ${run.runId}: ${outcome.status}${outcome.message ? ` (${outcome.message})` : ''}\n`,
    );
    if (outcome.warning) process.stdout.write(`  warning: ${outcome.warning}\n`);
    for (const [k, v] of Object.entries(summary.metrics)) process.stdout.write(`  ${k}: ${v.toFixed(4)}\n`);
    if (summary.adapterDir) process.stdout.write(`  adapter: ${summary.adapterDir}\n`);
  }
  return outcome.status === 'completed' ? 0 : 1;
}

export function reporterFor(): { reporter: ProgressReporter; onMessage: (m: FromWorker) => void } {
  const reporter = new ProgressReporter(process.stderr);
  return {
    reporter,
    onMessage: (m) => {
      if (m.type === 'progress') reporter.update(m);
      else if (m.type === 'started')
        reporter.message(
          `training on ${m.backend}: ${m.trainableParams} of ${m.totalParams} parameters (${((100 * m.trainableParams) / m.totalParams).toFixed(2)}%), ${m.totalSteps} steps`,
        );
      else if (m.type === 'metrics')
        reporter.message(
          `eval @${m.points[0]?.step}: ${m.points.map((p) => `${p.name} ${p.value.toFixed(4)}`).join(' ')}`,
        );
      else if (m.type === 'log') reporter.message(m.message);
      else if (m.type === 'finished') reporter.end();
    },
  };
}

/**
 * Ctrl-C cancels (the run keeps a checkpoint and says cancelled); SIGTERM stops the training process at once and
 * the run is recorded interrupted. Either way followRun then records the outcome and the project closes.
 */
export function stopOnSignals(run: SupervisedRun): void {
  process.once('SIGINT', () => run.send({ type: 'cancel' }));
  process.once('SIGTERM', () => run.child.kill());
}

/**
 * `studio train`'s checks and records: the pre-flight, then the project folder, the run's rows and its start in
 * `worker`. Checked before the project folder is opened or created: a refused config leaves nothing behind, and the
 * waiting training process is stopped unused. The CLI owns its engine, so the pre-flight runs here (the studio sends
 * it to its engine process).
 */
async function checkAndStart(
  configFile: string,
  config: TrainConfig,
  worker: StartedWorker,
  onMessage: (m: FromWorker) => void,
  clock: PhaseClock,
): Promise<{ projects: ProjectsService; db: Database; dir: string; run: SupervisedRun }> {
  try {
    await preflightReady();
    const dataset = namingConfigFile(configFile, () => {
      const loaded = validateRun(config);
      preflightRun(config, loaded);
      return loaded;
    });
    clock.mark('config and pre-flight');
    const { projects, dir } = openProject(config.project);
    const db = projects.db(dir);
    markStaleRunsInterrupted(db);
    const run = startRun(db, dir, config, onMessage, undefined, dataset, worker);
    clock.mark('project and records');
    return { projects, db, dir, run };
  } catch (err) {
    worker.child.kill();
    throw err;
  }
}

/** `studio train --config FILE [--json]` and `studio resume --project DIR --run ID [--json]`. */
export function register(program: Command): void {
  program
    .command('train')
    .description('train one run, recorded in the project database')
    .requiredOption('--config <file>', 'train config (JSON)')
    .option('--project <dir>', 'project folder, in place of the config\'s "project"')
    .option('--json', 'print the JSON summary as the last stdout line')
    .addHelpText(
      'after',
      () => `\n${configHelp(trainConfigSchema, 'method')}\n\nExamples and details: docs/CLI.md`,
    )
    .action(async (opts: { config: string; project?: string; json?: boolean }) => {
      const clock = new PhaseClock();
      let config = readTrainConfig(opts.config, opts.project);
      if (namesLibraryRuns(config)) {
        // A fusion over library adapters named by run id: their folders are found in the project's database.
        const { projects, dir } = openProject(config.project);
        config = resolveFuseAdapters(projects.db(dir), dir, config);
        projects.close();
      }
      // Started now, its start-up overlaps the pre-flight; it waits for its job and never gets one if refused.
      const worker = startTrainingProcess();
      const { onMessage } = reporterFor();
      const { projects, db, dir, run } = await checkAndStart(opts.config, config, worker, onMessage, clock);
      stopOnSignals(run);
      await run.recorded;
      clock.mark('training process');
      process.exitCode = await followRun(run, Boolean(opts.json), onMessage, async () => {
        const report = await forgettingAfterTrain(db, dir, run.runId);
        if (report && !opts.json) process.stdout.write(`${forgettingLines(report).join('\n')}\n`);
        return report ? { forgetting: report } : {};
      });
      projects.close();
      clock.mark('after the run');
      // Opt-in (test/bench/whole-run.sh): the CLI's own share of a whole run, beside the training process's run.log line.
      if (process.env.STUDIO_CLI_TIMINGS === '1') process.stderr.write(`studio: cli ${clock.line()}\n`);
    });

  program
    .command('resume')
    .description('resume an interrupted or cancelled run from its last checkpoint (or an earlier one)')
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--run <id>', 'run id')
    .option(
      '--from-step <step>',
      'resume from the checkpoint of this step (`studio runs checkpoints` lists them)',
    )
    .option('--json', 'print the JSON summary as the last stdout line')
    .action(async (opts: { project: string; run: string; fromStep?: string; json?: boolean }) => {
      // Resuming never creates a project: a mistyped path must leave nothing behind.
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, 'studio.db')}: not an Adapter Studio project`);
      await preflightReady();
      const { projects, dir } = openProject(opts.project);
      const db = projects.db(dir);
      markStaleRunsInterrupted(db);
      // The model folder or the dataset may have changed since the run started.
      const step = opts.fromStep === undefined ? undefined : stepOption(opts.fromStep);
      const config =
        step === undefined
          ? resumableConfig(db, dir, Number(opts.run))
          : resumeFromPlan(db, dir, Number(opts.run), step).config;
      preflightRun(config, loadDataset(config.dataset));
      const { onMessage } = reporterFor();
      const run =
        step === undefined
          ? resumeRun(db, dir, Number(opts.run), onMessage)
          : resumeFromStep(db, dir, Number(opts.run), step, onMessage);
      stopOnSignals(run);
      process.exitCode = await followRun(run, Boolean(opts.json), onMessage, async () => {
        const report = await forgettingAfterTrain(db, dir, run.runId);
        if (report && !opts.json) process.stdout.write(`${forgettingLines(report).join('\n')}\n`);
        return report ? { forgetting: report } : {};
      });
      projects.close();
    });
}
