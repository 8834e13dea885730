import path from 'node:path';
import type { Command } from 'commander';
import { EXPORT_FORMATS } from '../../../src-shared/export.ts';
import type { ExportFormat } from '../../../src-shared/export.ts';
import { APP_VERSION } from '../../app/package-info.ts';
import { runReportHtml } from '../../services/compare-report.ts';
import { PROJECT_DB_FILE } from '../../app/paths.ts';
import { exportRun } from '../../export/index.ts';
import { importVerified, prepareImport } from '../../export/import-bundle.ts';
import { isProjectDir } from '../../services/projects.ts';
import { UserError } from '../errors.ts';
import { openProject } from './train.ts';

function runId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new UserError(`--run: "${value}" is not a run id`);
  return id;
}

/**
 * `studio export --project DIR --run ID --format peft|adapterhub|merged|bundle|accelerate --out PATH` and
 * `studio import --project DIR BUNDLE`.
 */
export function register(program: Command): void {
  program
    .command('export')
    .description(
      "export a run's adapter (PEFT, AdapterHub), a merged model, a verified team bundle, or an Accelerate training folder",
    )
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--run <id>', 'run id')
    .requiredOption('--format <format>', EXPORT_FORMATS.join('|'))
    .requiredOption('--out <path>', 'output folder (a .zip file for bundle)')
    .option('--force', 'replace an existing bundle .zip (without it an existing file is never overwritten)')
    .action(async (opts: { project: string; run: string; format: string; out: string; force?: boolean }) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format))
        throw new UserError(`--format: "${opts.format}" is not one of ${EXPORT_FORMATS.join(', ')}`);
      if (!isProjectDir(opts.project))
        throw new UserError(`${path.join(opts.project, PROJECT_DB_FILE)}: not an Adapter Studio project`);
      const { projects, dir } = openProject(opts.project);
      try {
        const result = await exportRun(
          projects.db(dir),
          dir,
          runId(opts.run),
          opts.format as ExportFormat,
          opts.out,
          (w) => process.stderr.write(`warning: ${w}\n`),
          {
            force: opts.force === true,
            report: (id) => runReportHtml(projects.db(dir), dir, id, `Adapter Studio ${APP_VERSION}`),
          },
        );
        const zip = result.format === 'bundle';
        for (const f of result.files)
          process.stderr.write(`  ${f.name} (${f.bytes} bytes${zip ? ' uncompressed' : ''})\n`);
        process.stderr.write(`${result.out}: ${result.bytes} bytes\n`);
        process.stdout.write(`${result.out}\n`);
      } catch (err) {
        // A full disk mid-write names no file: the export's destination is what the user can change.
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS')
          throw new UserError(
            `${opts.out}: cannot write the export (${code}: ${code === 'EROFS' ? 'read-only file system' : 'no space left on the device'})`,
          );
        throw err;
      } finally {
        projects.close();
      }
    });

  program
    .command('import')
    .description('verify a team bundle (.zip) and record it in a project as a completed run')
    .requiredOption('--project <dir>', 'project folder (created when missing)')
    .option('--model <dir>', "the bundle's base model on this machine, when not where the bundle says")
    .option(
      '--allow-unknown-base',
      'import a bundle that records no base-model hash (the base is then checked by architecture only)',
    )
    .argument('<bundle>', 'bundle .zip written by `studio export --format bundle`')
    .action(async (bundle: string, opts: { project: string; model?: string; allowUnknownBase?: boolean }) => {
      // Every check first: a refused bundle must leave no project folder and no recent-projects entry behind.
      const verified = await prepareImport(bundle, {
        ...(opts.model ? { model: opts.model } : {}),
        allowUnknownBase: opts.allowUnknownBase === true,
      });
      const { projects, dir } = openProject(opts.project);
      try {
        const { runId: id } = await importVerified(projects.db(dir), dir, verified);
        process.stdout.write(`${id}\n`);
      } finally {
        projects.close();
      }
    });
}
