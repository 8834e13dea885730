/** Contract handlers of the Export page (src-shared/contract/export.ts); joined in createHandlers. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { exportCalls } from '../../src-shared/contract/export.ts';
import { exportPreview, exportRun } from '../export/index.ts';
import { importBundle } from '../export/import-bundle.ts';
import { importRun } from '../export/import-run.ts';
import { runReportHtml } from './compare-report.ts';
import type { ServiceContext } from './context.ts';

export function exportHandlers(ctx: ServiceContext): HandlersOf<typeof exportCalls> {
  // Opening the DB first also checks that the folder is a project.
  const open = (project: string) => ({ db: ctx.projects.db(project), dir: path.resolve(project) });
  return {
    'export:preview': async ({ project, runId }) => {
      const { db, dir } = open(project);
      return exportPreview(db, dir, runId);
    },
    'export:run': async ({ project, runId, format, out, force }) => {
      const { db, dir } = open(project);
      // A relative output is taken from the project folder, never from the server's working directory.
      return exportRun(db, dir, runId, format, path.resolve(dir, out), undefined, {
        force: force === true,
        engine: ctx.inference,
        report: (id) => runReportHtml(db, dir, id, `Adapter Studio ${ctx.version}`),
      });
    },
    'export:import': async ({ project, bundle, model, allowUnknownBase }) => {
      const { db, dir } = open(project);
      return importBundle(db, dir, path.resolve(dir, bundle), {
        ...(model ? { model } : {}),
        allowUnknownBase: allowUnknownBase === true,
      });
    },
    'export:import-run': async ({ project, folder, model }) => {
      const { db, dir } = open(project);
      return importRun(db, dir, path.resolve(dir, folder), {
        engine: ctx.inference,
        ...(model ? { model } : {}),
      });
    },
  };
}
