import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { reportCalls } from '../../src-shared/contract/report.ts';
import { getProject } from '../db/tables/project.ts';
import { writeCompareReport } from './compare-report.ts';
import type { ServiceContext } from './context.ts';

export function reportHandlers(ctx: ServiceContext): HandlersOf<typeof reportCalls> {
  return {
    'report:compare': async ({ project, runIds }) => {
      const db = ctx.projects.db(project);
      const name = getProject(db)?.name ?? path.basename(project);
      return writeCompareReport(db, path.resolve(project), name, runIds, `Adapter Studio ${ctx.version}`);
    },
  };
}
