import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ProjectDetails, ProjectSummary, ProjectTarget } from '../../src-shared/domain.ts';
import type { AppStore } from '../app/app-store.ts';
import { acquireProjectLock } from '../app/project-lock.ts';
import { ARTIFACTS_DIR, PROJECT_DB_FILE } from '../app/paths.ts';
import { schemaVersion } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { countArtifacts } from '../db/tables/artifacts.ts';
import { countBaseModels } from '../db/tables/base-models.ts';
import { countDatasets } from '../db/tables/datasets.ts';
import { getProject, initProject } from '../db/tables/project.ts';
import { countRuns } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { cleanProjectLeftovers } from '../export/project-cleanup.ts';
import { slugify } from '../node-shared/slugify.ts';

export const isProjectDir = (dir: string): boolean => fs.existsSync(path.join(dir, PROJECT_DB_FILE));

/** Creates, opens and lists projects. A project is a folder: studio.db + artifacts/. */
export class ProjectsService {
  /** Open connections by project folder, so every service shares one per project. */
  readonly #dbs = new Map<string, Database>();
  /** Releases of the project locks this service holds (only when it locks: app windows, not the CLI). */
  readonly #locks = new Map<string, () => void>();

  constructor(
    private readonly store: AppStore,
    private readonly defaultParentDir: string,
    /** Take each project's lock file on open, so a second studio window cannot open it beside this one. */
    private readonly lockProjects = false,
    /** Called once per project when its database is first opened; returns what to call on close. */
    private readonly onOpen?: (dir: string) => () => void,
  ) {}
  /** What onOpen returned, by project folder. */
  readonly #closers = new Map<string, () => void>();

  list(): ProjectSummary[] {
    return this.store.recentProjects().map((r) => ({ ...r, exists: isProjectDir(r.path) }));
  }

  /** Where a project of this name would be created, and what is there now (the UI asks before a clash). */
  target(name: string, parentDir?: string): ProjectTarget {
    const dir = path.join(path.resolve(parentDir ?? this.defaultParentDir), slugify(name));
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat) return { path: dir, state: 'free' };
    if (isProjectDir(dir)) return { path: dir, state: 'project' };
    if (stat.isDirectory() && fs.readdirSync(dir).length === 0) return { path: dir, state: 'empty' };
    return { path: dir, state: 'occupied' };
  }

  /**
   * Creates a project folder named after `name` inside `parentDir`. Where that folder exists already, it is
   * refused with what to do instead (an empty folder is used as it is); `ifExists: 'rename'` (the CLI's own
   * creation, which moves the folder into place itself) picks a free name instead.
   */
  create(name: string, parentDir?: string, opts: { ifExists?: 'refuse' | 'rename' } = {}): ProjectSummary {
    const parent = path.resolve(parentDir ?? this.defaultParentDir);
    const parentStat = fs.statSync(parent, { throwIfNoEntry: false });
    if (parentStat && !parentStat.isDirectory())
      throw new UserError(`${parent}: is a file; a project is created inside a folder`);
    let dir = path.join(parent, slugify(name));
    if (opts.ifExists === 'rename')
      for (let i = 2; fs.existsSync(dir); i++) dir = path.join(parent, `${slugify(name)}-${i}`);
    else {
      const there = this.target(name, parentDir).state;
      if (there === 'project')
        throw new UserError(`${dir}: a project is already there: open it, or choose another name`);
      if (there === 'occupied')
        throw new UserError(`${dir}: a folder of that name already holds other files: choose another name`);
    }
    const existed = fs.existsSync(dir);
    const createdAt = new Date().toISOString();
    try {
      fs.mkdirSync(path.join(dir, ARTIFACTS_DIR), { recursive: true });
      const db = this.db(dir, { create: true });
      db.transaction(() => initProject(db, { name, createdAt }))();
    } catch (err) {
      // A half-made project (no database, or one without its project row) must not stay behind.
      this.#closers.get(dir)?.();
      this.#closers.delete(dir);
      this.#dbs.get(dir)?.close();
      this.#dbs.delete(dir);
      // An empty folder the user had made stays; what this call made goes.
      if (existed)
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
      else fs.rmSync(dir, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (
        code === 'ENOTDIR' ||
        code === 'EACCES' ||
        code === 'EPERM' ||
        code === 'EROFS' ||
        code === 'ENOSPC'
      )
        throw new UserError(`${parent}: cannot create a project here (${code})`);
      throw err;
    }
    const summary = { path: dir, name, createdAt, openedAt: createdAt };
    this.store.touchProject(summary);
    return { ...summary, exists: true };
  }

  open(dir: string): ProjectDetails {
    const details = this.details(dir);
    this.store.touchProject({
      path: details.path,
      name: details.name,
      createdAt: details.createdAt,
      openedAt: new Date().toISOString(),
    });
    return { ...details, openedAt: new Date().toISOString() };
  }

  details(dir: string): ProjectDetails {
    const abs = path.resolve(dir);
    const db = this.db(abs);
    const project = getProject(db);
    if (!project) throw new UserError(`${path.join(abs, PROJECT_DB_FILE)}: not an Adapter Studio project`);
    const recent = this.store.recentProjects().find((r) => r.path === abs);
    return {
      path: abs,
      name: project.name,
      createdAt: project.createdAt,
      openedAt: recent?.openedAt ?? project.createdAt,
      exists: true,
      schemaVersion: schemaVersion(db),
      counts: {
        datasets: countDatasets(db),
        baseModels: countBaseModels(db),
        runs: countRuns(db),
        artifacts: countArtifacts(db),
      },
    };
  }

  forget(dir: string): ProjectSummary[] {
    this.store.forgetProject(path.resolve(dir));
    return this.list();
  }

  /** The project's database connection, opened (and migrated) on first use. */
  db(dir: string, opts: { create?: boolean } = {}): Database {
    const abs = path.resolve(dir);
    const open = this.#dbs.get(abs);
    if (open) return open;
    if (!opts.create && !isProjectDir(abs)) {
      throw new UserError(`${abs}: no ${PROJECT_DB_FILE} here; create the project first`);
    }
    if (this.lockProjects && !this.#locks.has(abs)) this.#locks.set(abs, acquireProjectLock(abs));
    const db = openDatabase(path.join(abs, PROJECT_DB_FILE));
    this.#dbs.set(abs, db);
    // What a crash left half-written (an import, a checkpoint) is put right before anything reads the folder.
    cleanProjectLeftovers(abs, db);
    if (this.onOpen) this.#closers.set(abs, this.onOpen(abs));
    return db;
  }

  close(): void {
    for (const close of this.#closers.values()) close();
    this.#closers.clear();
    for (const db of this.#dbs.values()) db.close();
    this.#dbs.clear();
    for (const release of this.#locks.values()) release();
    this.#locks.clear();
  }
}
