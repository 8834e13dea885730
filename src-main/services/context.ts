import path from 'node:path';
import { AppStore } from '../app/app-store.ts';
import { defaultProjectsDir, defaultUserDataDir } from '../app/paths.ts';
import { InferenceClient } from '../inference/client.ts';
import { DataClient } from '../data-worker/client.ts';
import { newToken } from '../node-shared/loopback-auth.ts';
import { ServeApi } from '../serve-api/service.ts';
import { ProjectDbWatcher } from './db-watch.ts';
import { EventBus } from './event-bus.ts';
import { trainingEnv } from './settings.ts';
import { ProjectsService } from './projects.ts';
import { RunManager } from './run-manager.ts';
import { scoreAfterRun } from './forgetting.ts';
import { appendRunLog, runLogFile } from '../training/run-log.ts';

/** Everything the handlers need, created once per process (Electron main, web server or CLI). */
export interface ServiceContext {
  mode: 'electron' | 'web';
  version: string;
  userDataDir: string;
  projectsDir: string;
  store: AppStore;
  projects: ProjectsService;
  events: EventBus;
  runs: RunManager;
  /** The playground's inference process (started on first use). */
  inference: InferenceClient;
  /** The data process: parses and validates whole datasets off main's event loop (started on first use). */
  data: DataClient;
  /** The serving API (Settings switch, `studio serve --api`): stopped until asked for. */
  serveApi: ServeApi;
  /** The system's folder dialog, where there is one (the Electron window); resolves null when cancelled. */
  pickFolder?: () => Promise<string | null>;
}

export function createServiceContext(opts: {
  mode: 'electron' | 'web';
  version: string;
  userDataDir?: string;
  /** The studio's token (web mode's page token); the serving API takes the same. Default: a new one. */
  token?: string;
}): ServiceContext {
  const userDataDir = opts.userDataDir ?? defaultUserDataDir();
  const projectsDir = defaultProjectsDir(userDataDir);
  const store = new AppStore(userDataDir);
  // A studio window locks the projects it opens (the CLI does not: it may train beside an open window).
  const events = new EventBus();
  // Every project a window opens is watched, so runs another process trains there appear live (db-watch.ts).
  const projects = new ProjectsService(store, projectsDir, true, (dir) => {
    try {
      const watcher = new ProjectDbWatcher(dir, events);
      return () => watcher.close();
    } catch (err) {
      // Without a watcher the project still works; only other processes' runs stay unseen until a reload.
      console.error(`[studio] cannot watch ${dir}:`, (err as Error).message);
      return () => {};
    }
  });
  const inference = new InferenceClient();
  return {
    mode: opts.mode,
    version: opts.version,
    userDataDir,
    projectsDir,
    store,
    projects,
    events,
    runs: new RunManager(
      projects,
      events,
      () => trainingEnv(store),
      (project, runId) => forgettingAfterRun(projects, inference, project, runId),
    ),
    inference,
    data: new DataClient(),
    serveApi: new ServeApi(opts.token ?? newToken(), (dir) => projects.db(dir)),
  };
}

/**
 * A completed run whose config names a forgetting reference is scored in the engine process. A failure goes to the
 * run's log: the run itself stays completed, and `studio forgetting` can score it again.
 */
async function forgettingAfterRun(
  projects: ProjectsService,
  inference: InferenceClient,
  project: string,
  runId: number,
): Promise<void> {
  try {
    await scoreAfterRun(projects.db(project), path.resolve(project), runId, (req) =>
      inference.forgetting(req),
    );
  } catch (err) {
    try {
      appendRunLog(runLogFile(path.resolve(project), runId), 'warn', `forgetting: ${(err as Error).message}`);
    } catch {
      // The project may have closed meanwhile (quit): nothing to record into.
    }
  }
}

/**
 * Closes a context in the only safe order: training processes stopped and their runs recorded first, then the
 * databases closed (closing first would leave runs marked running and crash the recorder).
 */
export async function shutdownServices(ctx: ServiceContext): Promise<void> {
  await ctx.runs.stopAll();
  await ctx.serveApi.stop();
  ctx.inference.stop();
  ctx.data.stop();
  ctx.projects.close();
}
