/** Contract of the Projects page. Handlers: src-main/services/projects-handlers.ts. */
import { z } from 'zod';
import type { ProjectDetails, ProjectSummary } from '../domain.ts';
import { noArgs, projectPath } from './common.ts';
import { call } from './define.ts';

export const projectsCalls = {
  'projects:list': call(noArgs).returns<ProjectSummary[]>(),
  'projects:create': call(
    z
      .object({
        name: z.string().trim().min(1, 'name is required').max(120),
        /** Parent folder; the project folder is created inside it. Defaults to the app's projects folder. */
        parentDir: projectPath.optional(),
      })
      .strict(),
  ).returns<ProjectSummary>(),
  'projects:open': call(z.object({ path: projectPath }).strict()).returns<ProjectDetails>(),
  'projects:details': call(z.object({ path: projectPath }).strict()).returns<ProjectDetails>(),
  'projects:forget': call(z.object({ path: projectPath }).strict()).returns<ProjectSummary[]>(),
} as const;
