import os from 'node:os';
import path from 'node:path';
import { readRunLog, runLogFile } from '../training/run-log.ts';
import type { Handlers } from '../../src-shared/contract.ts';
import type { ServiceContext } from './context.ts';
import { datasetHandlers } from './datasets-handlers.ts';
import { listRunViews, runSeries, runView } from './runs.ts';
import { describeMethods } from '../../src-shared/methods.ts';
import '../adapters/schemas.ts';
import { SAMPLES } from '../data/samples.ts';
import { modelInfo } from '../models/info.ts';
import { markStaleRunsInterrupted } from './training.ts';
import { continualHandlers } from './continual-handlers.ts';
import { libraryHandlers } from './library-handlers.ts';
import { saveTrainingSettings, trainingSettings } from './settings.ts';
import { exportHandlers } from './export-handlers.ts';
import { scoreRequest } from './evaluate.ts';

/** The handler map every transport serves. Each handler receives arguments already validated by zod. */
export function createHandlers(ctx: ServiceContext): Handlers {
  const projectsChanged = () => ctx.events.emit('projects:changed', { projects: ctx.projects.list() });
  return {
    'app:info': async () => ({
      version: ctx.version,
      mode: ctx.mode,
      platform: `${os.platform()}-${os.arch()}`,
      userDataDir: ctx.userDataDir,
      defaultProjectsDir: ctx.projectsDir,
    }),
    // The backend is probed in the engine process: main never loads tf.js.
    'engine:doctor': async () => ctx.inference.doctor(),
    'projects:list': async () => ctx.projects.list(),
    'projects:create': async ({ name, parentDir }) => {
      const created = ctx.projects.create(name, parentDir);
      projectsChanged();
      return created;
    },
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
    'runs:list': async ({ project }) => {
      const db = ctx.projects.db(project);
      markStaleRunsInterrupted(db);
      return listRunViews(db);
    },
    'runs:get': async ({ project, runId }) => runView(ctx.projects.db(project), runId),
    'runs:metrics': async ({ project, runId, sinceStep }) =>
      runSeries(ctx.projects.db(project), runId, sinceStep),
    // The pre-flight (model folder, sizes, memory budget) needs the engine: it runs in the engine process, and a
    // refusal comes back as one line before any run row or folder exists.
    'runs:start': async ({ config }) => {
      await ctx.inference.preflight(config);
      return { runId: ctx.runs.start(config) };
    },
    'runs:cancel': async ({ project, runId }) => {
      ctx.runs.cancel(project, runId);
      return { ok: true as const };
    },
    'runs:pause': async ({ project, runId }) => {
      ctx.runs.pause(project, runId);
      return { ok: true as const };
    },
    'runs:resume': async ({ project, runId }) => {
      // The model folder or the dataset may have changed since the run started.
      const config = ctx.runs.configToResume(project, runId);
      if (config) await ctx.inference.preflight(config);
      return { runId: ctx.runs.continue(project, runId) };
    },
    // The forward passes run in the inference process, never on main's event loop.
    'runs:evaluate': async ({ project, runId, file }) =>
      ctx.inference.evaluate(scoreRequest(ctx.projects.db(project), path.resolve(project), runId, file)),
    'methods:list': async () => describeMethods(),
    'datasets:samples': async () =>
      SAMPLES.map(({ name, title, description, kind }) => ({ name, title, description, kind })),
    'models:info': async ({ path }) => modelInfo(path),
    ...continualHandlers(ctx),
    ...libraryHandlers(ctx),
    'runs:log': async ({ project, runId, since }) => {
      runView(ctx.projects.db(project), runId); // a run of this project, else a clear error
      return readRunLog(runLogFile(path.resolve(project), runId), since);
    },
    'settings:get': async () => trainingSettings(ctx.store),
    'settings:set': async (s) => saveTrainingSettings(ctx.store, s),
    ...datasetHandlers(ctx),
    ...exportHandlers(ctx),
  };
}
