/**
 * `studio shootout --config FILE`, `studio shootout --project DIR --resume ID`, `studio shootout --project DIR
 * --list`: the method shoot-out on the command line (the Experiments page shows the same), driven by the same
 * ShootoutRunner, each trial supervised by this process like `studio train`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Database } from 'better-sqlite3';
import { shootoutConfigSchema } from '../../../src-shared/shootout.ts';
import type { ShootoutConfig, ShootoutView } from '../../../src-shared/shootout.ts';
import { listShootouts } from '../../db/tables/shootouts.ts';
import { UserError } from '../../errors.ts';
import { ShootoutRunner, createShootout, shootoutById, shootoutView } from '../../experiments/shootout.ts';
import { isProjectDir } from '../../services/projects.ts';
import { loadDataset } from '../../data/index.ts';
import { markStaleRunsInterrupted } from '../../services/training.ts';
import { preflightReady } from '../../training/preflight/backend.ts';
import { configPaths, namingConfigFile, readJsonConfig } from '../config-file.ts';
import { openProject, reporterFor } from './train.ts';
import { cliLauncher } from './sweep.ts';

function readConfig(file: string, project?: string): ShootoutConfig {
  const c = readJsonConfig(file, shootoutConfigSchema, project ? { project: path.resolve(project) } : {});
  const p = configPaths(file);
  return { ...c, project: p.abs(c.project), model: p.model(c.model), dataset: p.dataset(c.dataset) };
}

const cell = (v: number | null) => (v === null ? '     -' : v.toFixed(4));

function printShootout(v: ShootoutView): void {
  process.stdout.write(
    `shoot-out ${v.id} "${v.name}": ${v.status}, best ${v.metric} over the learning rates\n`,
  );
  const head = [
    'method'.padEnd(22),
    'trainable'.padStart(10),
    ...v.fractions.map((f) => `${Math.round(f * 100)}%`.padStart(7)),
    '  seconds',
    'peak MB',
  ];
  process.stdout.write(`  ${head.join(' ')}\n`);
  for (const r of v.rows) {
    const share =
      r.trainableParams !== null && r.totalParams
        ? `${((100 * r.trainableParams) / r.totalParams).toFixed(2)}%`
        : '-';
    const secs = r.seconds === null ? '-' : r.seconds.toFixed(0);
    const mb = r.peakMemoryBytes === null ? '-' : (r.peakMemoryBytes / 1e6).toFixed(0);
    process.stdout.write(
      `  ${[r.label.padEnd(22), share.padStart(10), ...r.cells.map((c) => cell(c.score).padStart(7)), secs.padStart(9), mb.padStart(7)].join(' ')}\n`,
    );
  }
  for (const line of v.advice) process.stdout.write(`${line}\n`);
}

async function drive(db: Database, dir: string, id: number, json: boolean): Promise<number> {
  const { onMessage } = reporterFor();
  const runner = new ShootoutRunner(db, id, cliLauncher(db, dir, onMessage));
  process.once('SIGINT', () => runner.cancel());
  const status = await runner.run();
  const view = shootoutView(db, shootoutById(db, id));
  if (json) process.stdout.write(`${JSON.stringify({ ...view, sweeps: undefined })}\n`);
  else printShootout(view);
  return status === 'completed' ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('shootout')
    .description(
      'train every method with a learning-rate sweep at several data fractions, and say which to pick',
    )
    .option('--config <file>', 'shoot-out config (JSON): model, dataset, methods, fractions')
    .option('--project <dir>', 'project folder (with --resume or --list: required)')
    .option('--resume <id>', 'continue shoot-out ID of --project where it stopped')
    .option('--list', "print the project's shoot-outs")
    .option('--json', 'print the shoot-out (its table and verdict) as the last stdout line')
    .action(
      async (opts: {
        config?: string;
        project?: string;
        resume?: string;
        list?: boolean;
        json?: boolean;
      }) => {
        if (opts.config) {
          const config = readConfig(opts.config, opts.project);
          await preflightReady();
          // The dataset is read and checked before the project is touched; each trial is pre-flighted as it starts.
          namingConfigFile(opts.config, () => loadDataset(config.dataset));
          const { projects, dir } = openProject(config.project);
          const db = projects.db(dir);
          markStaleRunsInterrupted(db);
          const id = namingConfigFile(opts.config, () => createShootout(db, config));
          process.exitCode = await drive(db, dir, id, Boolean(opts.json));
          projects.close();
          return;
        }
        if (!opts.project)
          throw new UserError(
            'give --config FILE (a new shoot-out), or --project DIR with --resume ID or --list',
          );
        if (!isProjectDir(opts.project))
          throw new UserError(`${path.join(opts.project, 'studio.db')}: not an Adapter Studio project`);
        const { projects, dir } = openProject(opts.project);
        const db = projects.db(dir);
        if (opts.list) {
          const views = listShootouts(db).map((s) => shootoutView(db, s));
          if (opts.json)
            process.stdout.write(`${JSON.stringify(views.map((v) => ({ ...v, sweeps: undefined })))}\n`);
          else if (views.length === 0) process.stdout.write('no shoot-outs in this project\n');
          else views.forEach(printShootout);
        } else if (opts.resume) {
          await preflightReady();
          markStaleRunsInterrupted(db);
          const id = Number(opts.resume);
          if (shootoutView(db, shootoutById(db, id)).status === 'running')
            throw new UserError(`shoot-out ${id} is running in another process`);
          process.exitCode = await drive(db, dir, id, Boolean(opts.json));
        } else throw new UserError('with --project, give --resume ID or --list');
        projects.close();
      },
    );
}
