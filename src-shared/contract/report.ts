/** Contract of shareable reports (issue #19): a Compare view as one self-contained HTML file. */
// Handlers: src-main/services/report-handlers.ts.
import { z } from 'zod';
import { projectPath, runId } from './common.ts';
import { call } from './define.ts';

export const reportCalls = {
  /**
   * Writes the report of these runs into the project's reports/ folder; returns where, and the HTML itself so a
   * browser can download it.
   */
  'report:compare': call(
    z.object({ project: projectPath, runIds: z.array(runId).min(1).max(50) }).strict(),
  ).returns<{
    path: string;
    fileName: string;
    html: string;
  }>(),
} as const;
