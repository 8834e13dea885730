import type { ProjectDetails, ProjectSummary } from '../../src-shared/domain.ts';
import { call, on } from './api.ts';
import { projectInUrl, setProjectInUrl } from './project-url.ts';

/** The recent-projects list and the open project, shared by every page. */
export class ProjectsState {
  #list = $state.raw<ProjectSummary[]>([]);
  #current = $state.raw<ProjectDetails | null>(null);
  #loading = $state(false);
  #error = $state<string | null>(null);
  /** True while the project named in the URL is being opened again (after a reload). */
  #restoring = $state(false);

  constructor() {
    on('projects:changed', ({ projects }) => (this.#list = projects));
  }

  /** Opens the project the URL names (a reload keeps the user in their project). */
  async restoreFromUrl(): Promise<void> {
    const path = projectInUrl();
    if (!path || this.#current) return;
    this.#restoring = true;
    try {
      await this.open(path);
      if (!this.#current) setProjectInUrl(null);
    } finally {
      this.#restoring = false;
    }
  }

  get list() {
    return this.#list;
  }
  get current() {
    return this.#current;
  }
  get loading() {
    return this.#loading;
  }
  get error() {
    return this.#error;
  }
  get restoring() {
    return this.#restoring;
  }

  #setCurrent(details: ProjectDetails | null): void {
    this.#current = details;
    setProjectInUrl(details?.path ?? null);
  }

  async #run<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.#loading = true;
    this.#error = null;
    try {
      return await work();
    } catch (err) {
      this.#error = err instanceof Error ? err.message : String(err);
      return undefined;
    } finally {
      this.#loading = false;
    }
  }

  async refresh(): Promise<void> {
    await this.#run(async () => (this.#list = await call('projects:list', {})));
  }

  async create(name: string, parentDir?: string): Promise<boolean> {
    const created = await this.#run(async () => {
      const p = await call('projects:create', { name, ...(parentDir ? { parentDir } : {}) });
      this.#setCurrent(await call('projects:open', { path: p.path }));
      this.#list = await call('projects:list', {});
      return p;
    });
    return created !== undefined;
  }

  async open(path: string): Promise<void> {
    await this.#run(async () => {
      this.#setCurrent(await call('projects:open', { path }));
      this.#list = await call('projects:list', {});
    });
  }

  async forget(path: string): Promise<void> {
    await this.#run(async () => {
      this.#list = await call('projects:forget', { path });
      if (this.#current?.path === path) this.#setCurrent(null);
    });
  }
}
