/**
 * Compositions in the adapter library (the Compose page, `studio compose`): a recipe over completed runs' adapters
 * is written as an adapter folder (compose/folder.ts), checked by the engine (it loads it as the playground will),
 * and recorded as a completed run of method `compose` with no training steps, so the library, the playground,
 * `predict`, exports, bundles and import treat it like any adapter.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ComposeBlock, SavedComposition } from '../../src-shared/compose.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import { writeComposition } from '../composition/folder.ts';
import type { PickedSource } from '../composition/folder.ts';
import { insertArtifact } from '../db/tables/artifacts.ts';
import { deleteRunRow, getRun, insertRun, updateRunStatus } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { removeStaleRunDir, stagingDir } from '../export/project-cleanup.ts';
import { runDirs } from '../training/run-dirs.ts';
import { adapterDirOf } from './library.ts';
import { resolveRouterConfig } from './router-data.ts';
import { runView } from './runs.ts';

export interface CompositionInput {
  block: ComposeBlock;
  /** The library runs whose adapters the block's leaves name, in source order. */
  runIds: number[];
  name?: string;
}

/** Checks that the engine loads a composition folder on `model` (rejects with the one-line reason). */
export type CheckComposition = (model: string, dir: string) => Promise<void>;

/** The picked runs' adapter folders, and the base model they share. */
export function pickSources(db: Database, projectDir: string, runIds: readonly number[]) {
  if (runIds.length === 0) throw new UserError('compose: choose at least two adapters');
  const models = new Set<string>();
  const picked: PickedSource[] = runIds.map((id) => {
    const run = runView(db, id);
    const dir = adapterDirOf(db, projectDir, id);
    if (run.status !== 'completed' || !dir || !fs.existsSync(dir))
      throw new UserError(`run ${id}: has no finished adapter to compose`);
    models.add(String(run.config.model ?? 'default'));
    return { dir, name: `#${id} ${run.name}`, runId: id };
  });
  if (models.size > 1)
    throw new UserError(
      `compose: the adapters were trained on different base models (${[...models].join(', ')})`,
    );
  return { picked, model: [...models][0] as string };
}

/** A composition written to a staging folder, for trying it before it is saved; `cleanup` removes it. */
export function draftComposition(db: Database, projectDir: string, input: CompositionInput) {
  const { picked, model } = pickSources(db, projectDir, input.runIds);
  const staging = stagingDir(projectDir, 'compose');
  try {
    const dir = path.join(staging, 'adapter');
    const written = writeComposition(dir, input.block, picked);
    return { dir, model, ...written, cleanup: () => fs.rmSync(staging, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Saves a composition as a library entry (a completed `compose` run); nothing is recorded if the engine refuses it. */
export async function saveComposition(
  db: Database,
  projectDir: string,
  input: CompositionInput,
  check: CheckComposition,
): Promise<SavedComposition> {
  const draft = draftComposition(db, projectDir, input);
  try {
    await check(draft.model, draft.dir);
    const task = getRun(db, input.runIds.at(-1) as number);
    const { sources } = draft.config as { sources: unknown };
    const name =
      input.name?.trim() ||
      `compose: ${input.block.block} of ${input.runIds.map((id) => `#${id}`).join(', ')}`;
    const now = new Date().toISOString();
    const id = insertRun(db, {
      name,
      datasetId: task?.datasetId ?? null,
      baseModelId: task?.baseModelId ?? null,
      method: 'compose',
      // The task adapter's run config (model, dataset, options), with the recipe as its method.
      config: { ...task?.config, name, method: { type: 'compose', block: input.block, sources } },
      createdAt: now,
    });
    try {
      removeStaleRunDir(projectDir, id);
      const dirs = runDirs(id);
      fs.mkdirSync(path.join(projectDir, dirs.root), { recursive: true });
      fs.renameSync(draft.dir, path.join(projectDir, dirs.adapter));
      db.transaction(() => {
        insertArtifact(db, {
          runId: id,
          kind: 'adapter',
          path: dirs.adapter,
          sha256: draft.sha256,
          bytes: draft.bytes,
          meta: { composition: true },
          createdAt: now,
        });
        updateRunStatus(db, id, {
          status: 'completed',
          message: `a composition of ${input.runIds.length} library adapters: nothing trained`,
          step: 0,
          totalSteps: 0,
          trainableParams: 0,
          startedAt: now,
          finishedAt: now,
        });
      })();
    } catch (err) {
      deleteRunRow(db, id);
      removeStaleRunDir(projectDir, id);
      throw err;
    }
    return { runId: id, name, outputs: draft.outputs };
  } finally {
    draft.cleanup();
  }
}

/** Compositions and fusions of a project, newest first (`studio compose list`). */
export function listCompositions(db: Database) {
  return db
    .prepare(`SELECT id FROM runs WHERE method IN ('compose', 'fuse', 'router') ORDER BY id DESC`)
    .all()
    .map((r) => runView(db, (r as { id: number }).id));
}

/** The library adapters a config names by run id or folder: a fusion's `adapters`, a K-Adapter's `knowledge`. */
function libraryList(
  config: TrainConfig,
): { key: 'adapters' | 'knowledge'; list: (number | string)[] } | null {
  if (config.method.type === 'fuse') return { key: 'adapters', list: config.method.adapters ?? [] };
  if (config.method.type === 'k-adapter') return { key: 'knowledge', list: config.method.knowledge ?? [] };
  return null;
}

/** A config names library adapters by run id: does it (then it needs its project to find their folders)? */
export const namesLibraryRuns = (config: TrainConfig): boolean =>
  (config.method.type === 'router' && (config.method.adapters ?? []).some((a) => typeof a === 'number')) ||
  (libraryList(config)?.list.some((a) => typeof a === 'number') ?? false);

/**
 * A `fuse` or `k-adapter` config with its run ids turned into those runs' adapter folders (absolute), which the
 * training process reads: it has no database; a `router` config also gets its routing data. Other configs come
 * back unchanged.
 */
export function resolveFuseAdapters(db: Database, projectDir: string, config: TrainConfig): TrainConfig {
  // A router also needs its training data made from its adapters' datasets (router-data.ts).
  if (config.method.type === 'router') return resolveRouterConfig(db, projectDir, config);
  const named = libraryList(config);
  if (!named || !namesLibraryRuns(config)) return config;
  const list = named.list.map((a) => {
    if (typeof a !== 'number') return a;
    const dir = adapterDirOf(db, projectDir, a);
    if (runView(db, a).status !== 'completed' || !dir || !fs.existsSync(dir))
      throw new UserError(
        `method.${named.key}: run ${a} has no finished adapter to ${named.key === 'adapters' ? 'fuse' : 'combine'}`,
      );
    return dir;
  });
  return { ...config, method: { ...config.method, [named.key]: list } } as TrainConfig;
}
