/**
 * `studio runs list|rename|note|tag|delete|checkpoints` and `studio fork`: the run page's management, from the
 * command line, through the same services (services/run-admin.ts, services/run-checkpoints.ts).
 */
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { parseTags } from '../../../src-shared/run-manage.ts';
import { PROJECT_DB_FILE } from '../../app/paths.ts';
import { loadDataset } from '../../data/index.ts';
import { tagsForRun } from '../../db/tables/run-tags.ts';
import { isProjectDir } from '../../services/projects.ts';
import { deleteRun, renameRun, setRunNotes, setTags } from '../../services/run-admin.ts';
import { forkPlan, forkRun, listCheckpoints } from '../../services/run-checkpoints.ts';
import { listRunViews } from '../../services/runs.ts';
import { markStaleRunsInterrupted } from '../../services/training.ts';
import { preflightReady } from '../../training/preflight/backend.ts';
import { preflightRun } from '../../training/preflight/index.ts';
import { UserError } from '../errors.ts';
import { followRun, openProject, reporterFor, stepOption, stopOnSignals } from './train.ts';

function runIdOption(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id <= 0)
    throw new UserError(`--run: "${value}" is not a run id`);
  return id;
}

/** Opens an existing project (these commands never create one), runs `fn` on it and closes it. */
export async function withProject<T>(
  dir: string,
  fn: (db: ReturnType<ReturnType<typeof openProject>['projects']['db']>, abs: string) => T | Promise<T>,
): Promise<T> {
  if (!isProjectDir(dir))
    throw new UserError(`${path.join(dir, PROJECT_DB_FILE)}: not an Adapter Studio project`);
  const { projects, dir: abs } = openProject(dir);
  try {
    return await fn(projects.db(abs), abs);
  } finally {
    projects.close();
  }
}

/** Asks on a terminal; elsewhere (a script) the answer must be given with --yes. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

interface RunOpts {
  project: string;
  run: string;
}

const withRun = (c: Command) =>
  c.requiredOption('--project <dir>', 'project folder').requiredOption('--run <id>', 'run id');

export function register(program: Command): void {
  const runs = program
    .command('runs')
    .description("list and manage a project's runs: rename, notes, tags, delete");

  runs
    .command('list')
    .description('the runs of a project: id, status, name and tags (with --tag, only runs with that tag)')
    .requiredOption('--project <dir>', 'project folder')
    .option('--tag <tag>', 'only runs with this tag')
    .option('--json', 'print the runs as JSON')
    .action(async (opts: { project: string; tag?: string; json?: boolean }) => {
      const views = await withProject(opts.project, (db) => {
        markStaleRunsInterrupted(db);
        return listRunViews(db).filter((r) => opts.tag === undefined || r.tags.includes(opts.tag.trim()));
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(views)}\n`);
      else
        for (const r of views)
          process.stdout.write(
            `${r.id}\t${r.status}\t${r.name}${r.tags.length ? `\t[${r.tags.join(', ')}]` : ''}\n`,
          );
    });

  withRun(runs.command('rename').description('renames a run'))
    .requiredOption('--name <name>', 'the new name')
    .action(async (opts: RunOpts & { name: string }) => {
      await withProject(opts.project, (db) => renameRun(db, runIdOption(opts.run), opts.name));
    });

  withRun(runs.command('note').description("replaces a run's notes ('' clears them)"))
    .requiredOption('--text <text>', 'the notes')
    .action(async (opts: RunOpts & { text: string }) => {
      await withProject(opts.project, (db) => setRunNotes(db, runIdOption(opts.run), opts.text));
    });

  withRun(runs.command('tag').description("adds or removes a run's tags; prints the tags it then has"))
    .option('--add <tags>', 'tags to add, separated by commas')
    .option('--remove <tags>', 'tags to remove, separated by commas')
    .action(async (opts: RunOpts & { add?: string; remove?: string }) => {
      const tags = await withProject(opts.project, (db) => {
        const id = runIdOption(opts.run);
        const drop = new Set(parseTags(opts.remove ?? ''));
        const kept = tagsForRun(db, id).filter((t) => !drop.has(t));
        return setTags(db, id, [...kept, ...parseTags(opts.add ?? '')]);
      });
      process.stdout.write(`${tags.join(', ')}\n`);
    });

  withRun(runs.command('delete').description('deletes a run that is not training, with its artifacts folder'))
    .option('--yes', 'do not ask (needed where there is no terminal to ask on)')
    .action(async (opts: RunOpts & { yes?: boolean }) => {
      const id = runIdOption(opts.run);
      await withProject(opts.project, async (db, abs) => {
        const name = listRunViews(db).find((r) => r.id === id)?.name;
        if (name === undefined) throw new UserError(`run ${id}: no such run in this project`);
        const sure =
          opts.yes === true || (await confirm(`Delete run ${id} "${name}" and its artifacts folder?`));
        if (!sure) throw new UserError(`run ${id} was not deleted: confirm on the terminal, or pass --yes`);
        deleteRun(db, abs, id);
      });
      process.stderr.write(`run ${id} deleted\n`);
    });

  withRun(runs.command('checkpoints').description('the checkpoints a run keeps, to resume or fork from'))
    .option('--json', 'print them as JSON')
    .action(async (opts: RunOpts & { json?: boolean }) => {
      const list = await withProject(opts.project, (db, abs) =>
        listCheckpoints(db, abs, runIdOption(opts.run)),
      );
      if (opts.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else for (const c of list) process.stdout.write(`step ${c.step}\t${c.createdAt}\t${c.bytes} bytes\n`);
    });

  withRun(
    program
      .command('fork')
      .description("a new run from a run's checkpoint: its weights and optimizer state, the same config"),
  )
    .requiredOption(
      '--from-step <step>',
      'the checkpoint to start from (`studio runs checkpoints` lists them)',
    )
    .option('--max-steps <n>', 'train to this many steps instead of the run’s own')
    .option('--lr <rate>', 'learning rate instead of the run’s own')
    .option('--json', 'print the JSON summary as the last stdout line')
    .action(async (opts: RunOpts & { fromStep: string; maxSteps?: string; lr?: string; json?: boolean }) => {
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, PROJECT_DB_FILE)}: not an Adapter Studio project`);
      const overrides = {
        ...(opts.maxSteps !== undefined ? { maxSteps: positive('--max-steps', opts.maxSteps, true) } : {}),
        ...(opts.lr !== undefined ? { lr: positive('--lr', opts.lr, false) } : {}),
      };
      await preflightReady();
      const { projects, dir } = openProject(opts.project);
      const db = projects.db(dir);
      markStaleRunsInterrupted(db);
      const id = runIdOption(opts.run);
      const step = stepOption(opts.fromStep);
      const { config } = forkPlan(db, dir, id, step, overrides);
      preflightRun(config, loadDataset(config.dataset));
      const { onMessage } = reporterFor();
      const run = forkRun(db, dir, id, step, overrides, onMessage);
      process.stderr.write(`run ${run.runId}: fork of run ${id} from step ${step}\n`);
      stopOnSignals(run);
      process.exitCode = await followRun(run, Boolean(opts.json), onMessage);
      projects.close();
    });
}

function positive(option: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UserError(`${option}: "${value}" is not ${integer ? 'a whole number' : 'a number'} above 0`);
  return n;
}
