/**
 * The serving API as a part of the studio that can be started and stopped (the Settings switch, `studio serve
 * --api`, `studio bench-serve`): the listener, the scheduler and the serving process, over one library.
 */
import type { Database } from 'better-sqlite3';
import { DEFAULT_DECODER, DEFAULT_MODEL, hasDefaultDecoder } from '../models/default-model.ts';
import { ServingClient } from '../serving/client.ts';
import type { AdapterLibrary } from './library.ts';
import { folderModel, ProjectLibrary } from './library.ts';
import { BatchScheduler, DEFAULT_SCHEDULER } from './scheduler.ts';
import type { SchedulerOptions } from './scheduler.ts';
import { startApiServer } from './server.ts';
import type { RunningApiServer } from './server.ts';

export interface ServeApiStatus {
  running: boolean;
  /** http://127.0.0.1:PORT while running. */
  url: string | null;
  token: string;
  /** The project whose library it serves (null: the base model only). */
  project: string | null;
}

/** No project: the bundled models (the decoder where its folder is present), as their configs say, and no adapters. */
function baseOnly(): AdapterLibrary {
  const models = [folderModel(DEFAULT_MODEL), ...(hasDefaultDecoder() ? [folderModel(DEFAULT_DECODER)] : [])];
  return { models: () => models, adapters: () => [] };
}

interface Running {
  server: RunningApiServer;
  scheduler: BatchScheduler;
  serving: ServingClient;
  project: string | null;
}

export class ServeApi {
  #running: Running | null = null;
  #starting: Promise<ServeApiStatus> | null = null;

  constructor(
    /** The studio's token: the API takes the same one as the web-mode page. */
    readonly token: string,
    private readonly openDb: (project: string) => Database,
  ) {}

  status(): ServeApiStatus {
    const r = this.#running;
    return {
      running: r !== null,
      url: r?.server.url ?? null,
      token: this.token,
      project: r?.project ?? null,
    };
  }

  /** The running scheduler (the bench reads its batch sizes). */
  get scheduler(): BatchScheduler | null {
    return this.#running?.scheduler ?? null;
  }

  /** Starts it (restarts it on another project); `library` replaces the project's (bench-serve). */
  start(opts: {
    project?: string | null;
    port?: number;
    library?: AdapterLibrary;
    scheduler?: Partial<SchedulerOptions>;
    /** The router `"adapter": "auto"` goes through (id or name); default: the base's newest router. */
    autoRouter?: string;
  }): Promise<ServeApiStatus> {
    this.#starting ??= this.#start(opts).finally(() => (this.#starting = null));
    return this.#starting;
  }

  async #start(opts: Parameters<ServeApi['start']>[0]): Promise<ServeApiStatus> {
    const project = opts.project ?? null;
    if (this.#running && this.#running.project === project && !opts.library) return this.status();
    await this.stop();
    const library =
      opts.library ?? (project ? new ProjectLibrary(() => this.openDb(project), project) : baseOnly());
    const serving = new ServingClient();
    const scheduler = new BatchScheduler((model, items) => serving.batch(model, items), {
      ...DEFAULT_SCHEDULER,
      ...opts.scheduler,
    });
    try {
      const server = await startApiServer({
        ctx: { library, scheduler, serving, ...(opts.autoRouter ? { autoRouter: opts.autoRouter } : {}) },
        token: this.token,
        ...(opts.port !== undefined ? { port: opts.port } : {}),
      });
      this.#running = { server, scheduler, serving, project };
    } catch (err) {
      serving.stop();
      throw err;
    }
    return this.status();
  }

  async stop(): Promise<ServeApiStatus> {
    const r = this.#running;
    this.#running = null;
    if (r) {
      r.scheduler.close();
      await r.server.close();
      r.serving.stop();
    }
    return this.status();
  }
}
