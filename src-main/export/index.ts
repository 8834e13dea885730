/**
 * Exporting a run (CLI `studio export`, the Export page): one entry point per format over the same run source,
 * each refusing methods it cannot represent with one line that says which format to use instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { EXPORT_FORMATS, EXPORT_FORMAT_INFO, unavailableReason } from '../../src-shared/export.ts';
import type { ExportFormat, ExportPreview, ExportResult, ExportedFile } from '../../src-shared/export.ts';
import { UserError } from '../errors.ts';
import { slugify } from '../node-shared/slugify.ts';
import { writeBundle } from './bundle.ts';
import { writeAccelerateExport } from './accelerate.ts';
import { getRun } from '../db/tables/runs.ts';
import { metricsForRun } from '../db/tables/metrics.ts';
import { InferenceClient } from '../inference/client.ts';
import type { ExportEngine } from './engine-job.ts';
import { exportCard, writeCardAndBase } from './card-target.ts';
import { listFiles } from './list-files.ts';
import { writePeftExport } from './peft.ts';
import { modelDirOf, runSource } from './run-source.ts';

/** The folder under a project where exports go unless the user picks another place. */
export const EXPORTS_DIR = 'exports';

export function defaultExportPath(
  projectDir: string,
  runId: number,
  name: string,
  format: ExportFormat,
): string {
  const base = path.join(path.resolve(projectDir), EXPORTS_DIR, `run-${runId}-${slugify(name)}-${format}`);
  return EXPORT_FORMAT_INFO[format].output === 'zip' ? `${base}.zip` : base;
}

/** A folder export must not mix its files with something already there. */
function checkOutput(out: string, format: ExportFormat): void {
  if (EXPORT_FORMAT_INFO[format].output === 'zip') {
    if (!out.endsWith('.zip'))
      throw new UserError(`${out}: a bundle is a .zip file: give a path ending in .zip`);
    if (fs.existsSync(out) && fs.statSync(out).isDirectory())
      throw new UserError(`${out}: is a folder, expected a .zip file path`);
    return;
  }
  if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0))
    throw new UserError(`${out}: already exists and is not an empty folder: choose a new output folder`);
}

/**
 * Writes a folder export into `<out>.tmp-PID` and renames it into place once complete, so a full disk or a crash
 * never leaves half an export under the name the user asked for (checkOutput made sure `out` is absent or empty).
 */
async function staged(out: string, write: (dir: string) => Promise<ExportedFile[]>): Promise<ExportedFile[]> {
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp, { recursive: true });
    const files = await write(tmp);
    if (fs.existsSync(out)) fs.rmdirSync(out);
    fs.renameSync(tmp, out);
    return files;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Exports run `runId` of the project as `format` to `out` (a folder, or a .zip for bundles); an existing .zip is
 * replaced only with `force`. Merged and AdapterHub exports need the engine: the engine process writes them
 * (`engine`, the studio's, or one started for the call), off this process's event loop.
 */
export async function exportRun(
  db: Database,
  projectDir: string,
  runId: number,
  format: ExportFormat,
  out: string,
  warn?: (w: string) => void,
  opts: {
    force?: boolean;
    engine?: ExportEngine;
    /** The run's HTML report, which a bundle carries as report.html (services/compare-report.ts makes it). */
    report?: (runId: number) => string;
  } = {},
): Promise<ExportResult> {
  if (format === 'accelerate') {
    // Only the run's config and data are needed: a run never trained (or still training) can go too.
    const abs = path.resolve(out);
    checkOutput(abs, format);
    const files = await staged(abs, (dir) => writeAccelerateExport(db, projectDir, runId, dir));
    return { format, out: abs, bytes: files.reduce((a, f) => a + f.bytes, 0), files, warnings: [] };
  }
  const source = runSource(db, projectDir, runId);
  const reason = unavailableReason(source.run.method, format, source.base.architecture);
  if (reason) throw new UserError(`run ${runId} (${source.run.method}): ${reason}`);
  const abs = path.resolve(out);
  checkOutput(abs, format);
  const warnings: string[] = [];
  const warnAll = (w: string) => {
    warnings.push(w);
    warn?.(w);
  };
  let files: ExportedFile[];
  switch (format) {
    case 'peft':
      files = await staged(abs, async (dir) => writePeftExport(source, dir));
      break;
    case 'adapterhub':
    case 'merged': {
      // Without the studio's engine process (the CLI), one is started for this export alone.
      const own = opts.engine ? null : new InferenceClient();
      try {
        files = await staged(abs, async (dir) => {
          const done = await (opts.engine ?? (own as InferenceClient)).exportFormat({
            format,
            source,
            out: dir,
          });
          done.warnings.forEach(warnAll);
          if (format !== 'merged') return done.files;
          // The card and, for the default model, the base copy: plain file writes, done here after the merge.
          writeCardAndBase(source, 'merged', dir);
          return listFiles(dir);
        });
      } finally {
        own?.stop();
      }
      break;
    }
    case 'bundle':
      files = writeBundle(source, abs, {
        ...(opts.force !== undefined ? { force: opts.force } : {}),
        curves: metricsForRun(db, runId),
        ...(opts.report ? { report: opts.report(runId) } : {}),
      });
      break;
  }
  const bytes = format === 'bundle' ? fs.statSync(abs).size : files.reduce((a, f) => a + f.bytes, 0);
  return { format, out: abs, bytes, files, warnings };
}

/**
 * What the Export page shows for a run that has no adapter to export yet (not completed): only the Accelerate
 * folder, which trains it elsewhere; every other format says why not.
 */
function untrainedPreview(db: Database, projectDir: string, runId: number): ExportPreview | null {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`run ${runId}: no such run in ${projectDir}`);
  if (run.status === 'completed') return null;
  const notYet = `run ${runId} is ${run.status}: only a completed run has an adapter to export`;
  return {
    runId,
    method: run.method,
    formats: EXPORT_FORMATS.map((format) => ({
      ...EXPORT_FORMAT_INFO[format],
      unavailable: format === 'accelerate' ? unavailableReason(run.method, format) : notYet,
    })),
    modelCard: `# ${run.name}\n\nNot trained yet (${run.status}): export it as an Accelerate folder to train it on GPUs or a cluster, then bring the result back with \`studio import-run\`.\n`,
    defaultOut: Object.fromEntries(
      EXPORT_FORMATS.map((f) => [f, defaultExportPath(projectDir, runId, run.name, f)]),
    ) as Record<ExportFormat, string>,
  };
}

/** What the Export page shows for a run: which formats apply, the model card, default output paths. */
export function exportPreview(db: Database, projectDir: string, runId: number): ExportPreview {
  const untrained = untrainedPreview(db, projectDir, runId);
  if (untrained) return untrained;
  const source = runSource(db, projectDir, runId);
  // Merged export needs the base weights here; say so before the user tries.
  let missingBase: string | null = null;
  try {
    modelDirOf(source);
  } catch (err) {
    missingBase = (err as Error).message;
  }
  return {
    runId,
    method: source.run.method,
    formats: EXPORT_FORMATS.map((format) => ({
      ...EXPORT_FORMAT_INFO[format],
      unavailable:
        unavailableReason(source.run.method, format, source.base.architecture) ??
        (format === 'merged' || format === 'adapterhub' ? missingBase : null),
    })),
    modelCard: exportCard(source, 'bundle'),
    defaultOut: Object.fromEntries(
      EXPORT_FORMATS.map((f) => [f, defaultExportPath(projectDir, runId, source.run.name, f)]),
    ) as Record<ExportFormat, string>,
  };
}
