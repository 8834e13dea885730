/** Contract handlers of the Projects page (src-shared/contract/projects.ts); joined in createHandlers. */
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { projectsCalls } from '../../src-shared/contract/projects.ts';
import type { ServiceContext } from './context.ts';

export function projectsHandlers(ctx: ServiceContext): HandlersOf<typeof projectsCalls> {
  const projectsChanged = () => ctx.events.emit('projects:changed', { projects: ctx.projects.list() });
  return {
    'projects:list': async () => ctx.projects.list(),
    'projects:create': async ({ name, parentDir }) => {
      const created = ctx.projects.create(name, parentDir);
      projectsChanged();
      return created;
    },
    'projects:target': async ({ name, parentDir }) => ctx.projects.target(name, parentDir),
    // The dialog is the window's (Electron main sets pickFolder); a browser types the path instead.
    'projects:pick-folder': async () => ({ path: ctx.pickFolder ? await ctx.pickFolder() : null }),
    'projects:open': async ({ path }) => {
      const opened = ctx.projects.open(path);
      projectsChanged();
      return opened;
    },
    'projects:details': async ({ path }) => ctx.projects.details(path),
    'projects:forget': async ({ path }) => {
      const list = ctx.projects.forget(path);
      projectsChanged();
      return list;
    },
  };
}
