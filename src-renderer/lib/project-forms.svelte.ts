import type { ProjectTarget } from '../../src-shared/domain.ts';
import { call } from './api.ts';
import type { ProjectsState } from './projects.svelte.ts';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The Projects page's two forms: New project (which asks, rather than renaming, when the folder exists) and
 * Open a folder (a typed path, or the system's dialog in the desktop window).
 */
export class ProjectFormsState {
  #conflict = $state.raw<ProjectTarget | null>(null);
  #openError = $state<string | null>(null);
  #busy = $state(false);

  constructor(private readonly projects: ProjectsState) {}

  /** The folder a new project's name would take, when something is there already. */
  get conflict() {
    return this.#conflict;
  }
  get openError() {
    return this.#openError;
  }
  get busy() {
    return this.#busy;
  }

  clearConflict(): void {
    this.#conflict = null;
  }

  /** Creates the project, unless its folder exists: then `conflict` says what is there; resolves true if created. */
  async create(name: string, parentDir?: string): Promise<boolean> {
    this.#conflict = null;
    this.#openError = null;
    let target: ProjectTarget;
    try {
      target = await call('projects:target', { name, ...(parentDir ? { parentDir } : {}) });
    } catch {
      // The create call says what is wrong with the name or folder, next to the form.
      return this.projects.create(name, parentDir);
    }
    if (target.state === 'project' || target.state === 'occupied') {
      this.#conflict = target;
      return false;
    }
    return this.projects.create(name, parentDir);
  }

  /** Opens the project folder at `path`; a folder without a project says so in `openError`. */
  async open(path: string): Promise<boolean> {
    this.#openError = null;
    this.#conflict = null;
    if (!path.trim()) {
      this.#openError = 'Give the path of a project folder (the folder that holds studio.db).';
      return false;
    }
    this.#busy = true;
    try {
      await this.projects.open(path.trim());
      if (this.projects.error) this.#openError = this.projects.error;
      return this.projects.error === null;
    } finally {
      this.#busy = false;
    }
  }

  /** The desktop window's folder dialog; resolves the folder picked, or null. */
  async pick(): Promise<string | null> {
    try {
      return (await call('projects:pick-folder', {})).path;
    } catch (err) {
      this.#openError = message(err);
      return null;
    }
  }
}
