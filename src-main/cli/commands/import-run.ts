import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_DB_FILE } from '../../app/paths.ts';
import { importRun } from '../../export/import-run.ts';
import { InferenceClient } from '../../inference/client.ts';
import { isProjectDir } from '../../services/projects.ts';
import { UserError } from '../errors.ts';
import { openProject } from './train.ts';

/** `studio import-run FOLDER --project DIR [--model DIR] [--json]`: a run trained by an Accelerate folder, back. */
export function register(program: Command): void {
  program
    .command('import-run')
    .description(
      'record a run trained elsewhere from an Accelerate folder (export --format accelerate, then train.py) as a completed run',
    )
    .requiredOption('--project <dir>', 'project folder')
    .option('--model <dir>', "the run's base model on this machine, when not where the folder says")
    .option('--json', 'print the run id, its curves source and final metrics as JSON')
    .argument('<folder>', 'the Accelerate folder, after train.py wrote its output/')
    .action(async (folder: string, opts: { project: string; model?: string; json?: boolean }) => {
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, PROJECT_DB_FILE)}: not an Adapter Studio project`);
      const { projects, dir } = openProject(opts.project);
      // The adapter is loaded and saved again by the engine: one process started for this import alone.
      const engine = new InferenceClient();
      try {
        const result = await importRun(projects.db(dir), dir, folder, {
          engine,
          ...(opts.model ? { model: opts.model } : {}),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          process.stderr.write(
            `run ${result.runId} "${result.name}": curves from ${result.curves}, ${Object.entries(
              result.metrics,
            )
              .map(([k, v]) => `${k} ${v.toFixed(4)}`)
              .join(', ')}\n`,
          );
          process.stdout.write(`${result.runId}\n`);
        }
      } finally {
        engine.stop();
        projects.close();
      }
    });
}
