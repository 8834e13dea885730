/**
 * What the API serves: the base models and adapters of one project's library (every completed run that kept an
 * adapter, services/library.ts), or of a folder of adapter folders (`studio bench-serve`). Names resolve to a
 * library entry by id first, then by name (the newest entry of that name).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { methodDefinitions } from '../../src-shared/methods.ts';
import '../adapters/schemas.ts';
import { artifactsForRun } from '../db/tables/artifacts.ts';
import { UserError } from '../errors.ts';
import { modelInfo } from '../models/info.ts';
import { adapterLabels, STUDIO_ADAPTER_FILE } from '../node-shared/adapter-folder.ts';
import { listAdapters, listModels } from '../services/library.ts';

export interface LibraryAdapter {
  id: string;
  name: string;
  method: string;
  model: string;
  labels: string[];
  dir: string;
}

export interface LibraryModel {
  id: string;
  architecture: string;
  task: string;
}

export interface AdapterLibrary {
  models(): LibraryModel[];
  adapters(): LibraryAdapter[];
}

/** The entry `name` names: an id, else the newest of that name (adapters() lists newest first). */
export function findAdapter(lib: AdapterLibrary, name: string): LibraryAdapter | undefined {
  const all = lib.adapters();
  return all.find((a) => a.id === name) ?? all.find((a) => a.name === name);
}

/** A project's library, read again at most once a second (a request stream must not query the database each time). */
export class ProjectLibrary implements AdapterLibrary {
  #cache: { at: number; models: LibraryModel[]; adapters: LibraryAdapter[] } | null = null;

  constructor(
    private readonly db: () => Database,
    readonly projectDir: string,
  ) {}

  #read() {
    const now = Date.now();
    if (this.#cache && now - this.#cache.at < 1000) return this.#cache;
    const db = this.db();
    const adapters = listAdapters(db, this.projectDir).flatMap((a) => {
      const dir = adapterDir(db, this.projectDir, a.runId);
      return dir
        ? [
            {
              id: String(a.runId),
              name: a.name,
              method: a.method,
              model: a.model || 'default',
              labels: a.labels,
              dir,
            },
          ]
        : [];
    });
    const models = listModels(db).map((m) => ({ id: m.model, architecture: m.architecture, task: m.task }));
    this.#cache = { at: now, models, adapters };
    return this.#cache;
  }

  /** Forgets the cached list (an unknown name is looked up once more before it is refused). */
  refresh(): void {
    this.#cache = null;
  }

  models(): LibraryModel[] {
    return this.#read().models;
  }

  adapters(): LibraryAdapter[] {
    return this.#read().adapters;
  }
}

function adapterDir(db: Database, projectDir: string, runId: number): string | null {
  const a = artifactsForRun(db, runId)
    .filter((x) => x.kind === 'adapter')
    .at(-1);
  return a ? path.join(projectDir, a.path) : null;
}

/**
 * A base model as a library lists it, from its folder's config.json as the Models page reads it (services/library.ts):
 * `architecture` its model_type ("gpt2", "llama"), `task` its first architecture ("GPT2LMHeadModel").
 */
export function folderModel(id: string): LibraryModel {
  const info = modelInfo(id);
  return { id, architecture: info.architecture, task: info.task };
}

const readJson = (file: string): Record<string, unknown> | null => {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
};

/**
 * An adapter folder's method: ours records it; a PEFT folder's is the method that saves as its peft_type
 * (LoRA and DoRA share "LORA": `use_dora` tells them apart, as PEFT's own config does).
 */
function folderMethod(dir: string): string {
  const ours = readJson(path.join(dir, STUDIO_ADAPTER_FILE));
  if (ours) return typeof ours.method === 'string' ? ours.method : 'unknown';
  const peft = readJson(path.join(dir, 'adapter_config.json'));
  if (!peft)
    throw new UserError(`${dir}: not an adapter folder (no ${STUDIO_ADAPTER_FILE} or adapter_config.json)`);
  if (peft.peft_type === 'LORA' && peft.use_dora === true) return 'dora';
  const saving = methodDefinitions().find(
    (d) => 'type' in d.capabilities.peft && d.capabilities.peft.type === peft.peft_type,
  );
  return saving?.type ?? 'unknown';
}

/** Every adapter folder directly under `dir` (ours or PEFT's), named after its folder, on `model` (bench-serve's library). */
export class FolderLibrary implements AdapterLibrary {
  #adapters: LibraryAdapter[] | null = null;
  #model: LibraryModel | null = null;

  constructor(
    readonly dir: string,
    readonly model = 'default',
  ) {}

  /** The base model's config read once (the model list is asked for per request). */
  models(): LibraryModel[] {
    this.#model ??= folderModel(this.model);
    return [this.#model];
  }

  /** Read once (a request stream must not read every folder per request); refresh() reads again. */
  adapters(): LibraryAdapter[] {
    this.#adapters ??= fs
      .readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        const dir = path.join(this.dir, d.name);
        return {
          id: d.name,
          name: d.name,
          method: folderMethod(dir),
          model: this.model,
          labels: adapterLabels(dir) ?? [],
          dir,
        };
      });
    return this.#adapters;
  }

  refresh(): void {
    this.#adapters = null;
    this.#model = null;
  }
}
