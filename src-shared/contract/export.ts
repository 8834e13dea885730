/** Contract of the Export page: formats, export of a completed run, team-bundle import. */
// Handlers: src-main/services/export-handlers.ts.
import { z } from 'zod';
import { EXPORT_FORMATS } from '../export.ts';
import type { ExportPreview, ExportResult, ImportResult, ImportRunResult } from '../export.ts';
import { projectPath, runId } from './common.ts';
import { call } from './define.ts';

export const exportCalls = {
  /** Which formats a run can use (with the reason when not), its model card and default output paths. */
  'export:preview': call(z.object({ project: projectPath, runId }).strict()).returns<ExportPreview>(),
  /** Exports a completed run; `out` is a folder (a .zip path for bundles), absolute or relative to the project. */
  'export:run': call(
    z
      .object({
        project: projectPath,
        runId,
        format: z.enum(EXPORT_FORMATS),
        out: z.string().trim().min(1, 'choose where to write the export').max(4096),
        /** Replace an existing .zip (the user confirmed); without it the export refuses to overwrite. */
        force: z.boolean().optional(),
      })
      .strict(),
  ).returns<ExportResult>(),
  /** Verifies a team bundle (a path on this machine) and records it in the project as a completed run. */
  'export:import': call(
    z
      .object({
        project: projectPath,
        bundle: z.string().trim().min(1).max(4096),
        model: projectPath.optional(),
        /** Import a bundle that does not record its base model's hash (checked by architecture only). */
        allowUnknownBase: z.boolean().optional(),
      })
      .strict(),
  ).returns<ImportResult>(),
  /**
   * Records a run trained elsewhere (an Accelerate folder after its train.py ran: `studio import-run`) as a completed
   * run of the project; `folder` is a path on this machine, absolute or relative to the project.
   */
  'export:import-run': call(
    z
      .object({
        project: projectPath,
        folder: z.string().trim().min(1, 'give the trained folder').max(4096),
        model: projectPath.optional(),
      })
      .strict(),
  ).returns<ImportRunResult>(),
} as const;
