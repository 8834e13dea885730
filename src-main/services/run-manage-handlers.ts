/** The contract handlers of run management (src-shared/run-manage.ts): rename, notes, tags, delete, checkpoints. */
import path from 'node:path';
import type { HandlersOf } from '../../src-shared/contract/define.ts';
import type { runManageCalls } from '../../src-shared/contract/run-manage.ts';
import type { ServiceContext } from './context.ts';
import { deleteRun, renameRun, setRunNotes, setTags } from './run-admin.ts';
import { checkpointAt, forkPlan, listCheckpoints, resumeFromPlan } from './run-checkpoints.ts';
import { runView } from './runs.ts';

export function runManageHandlers(ctx: ServiceContext): HandlersOf<typeof runManageCalls> {
  /** Tells every window the run changed, as the trainer's status events do. */
  const changed = (project: string, runId: number) =>
    ctx.events.emit('run:status', { projectPath: project, run: runView(ctx.projects.db(project), runId) });
  return {
    'runs:rename': async ({ project, runId, name }) => {
      renameRun(ctx.projects.db(project), runId, name);
      changed(project, runId);
      return { ok: true as const };
    },
    'runs:set-notes': async ({ project, runId, notes }) => {
      setRunNotes(ctx.projects.db(project), runId, notes);
      changed(project, runId);
      return { ok: true as const };
    },
    'runs:set-tags': async ({ project, runId, tags }) => {
      const stored = setTags(ctx.projects.db(project), runId, tags);
      changed(project, runId);
      return { tags: stored };
    },
    'runs:delete': async ({ project, runId }) => {
      deleteRun(ctx.projects.db(project), path.resolve(project), runId, (id) =>
        ctx.runs.isActive(project, id),
      );
      return { ok: true as const };
    },
    'runs:checkpoints': async ({ project, runId }) =>
      listCheckpoints(ctx.projects.db(project), path.resolve(project), runId),
    // As for a start, the engine's pre-flight checks the model folder and sizes before anything changes.
    'runs:resume-from': async ({ project, runId, step }) => {
      const db = ctx.projects.db(project);
      // A run paused in this studio is stopped by resumeFrom; only a run trained elsewhere is refused here.
      if (!ctx.runs.isActive(project, runId)) {
        const { config } = resumeFromPlan(db, path.resolve(project), runId, step);
        await ctx.inference.preflight(config);
      } else checkpointAt(db, path.resolve(project), runId, step);
      return { runId: await ctx.runs.resumeFrom(project, runId, step) };
    },
    'runs:fork': async ({ project, runId, step, overrides }) => {
      const { config } = forkPlan(ctx.projects.db(project), path.resolve(project), runId, step, overrides);
      await ctx.inference.preflight(config);
      return { runId: ctx.runs.fork(project, runId, step, overrides) };
    },
  };
}
