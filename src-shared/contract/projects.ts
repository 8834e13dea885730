/** Contract of the Projects page. Handlers: src-main/services/projects-handlers.ts. */
import { z } from 'zod';
import type { ProjectDetails, ProjectSummary, ProjectTarget } from '../domain.ts';
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
  /** Where `projects:create` would put a project of this name, and what is there now (asked before a clash). */
  'projects:target': call(
    z
      .object({
        name: z.string().trim().min(1, 'name is required').max(120),
        parentDir: projectPath.optional(),
      })
      .strict(),
  ).returns<ProjectTarget>(),
  /** Electron only: the system's folder dialog; null when cancelled or where there is none (web mode). */
  'projects:pick-folder': call(noArgs).returns<{ path: string | null }>(),
  'projects:open': call(z.object({ path: projectPath }).strict()).returns<ProjectDetails>(),
  'projects:details': call(z.object({ path: projectPath }).strict()).returns<ProjectDetails>(),
  'projects:forget': call(z.object({ path: projectPath }).strict()).returns<ProjectSummary[]>(),
} as const;
