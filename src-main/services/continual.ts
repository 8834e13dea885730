/**
 * Continual runs (the catastrophic-forgetting view): started from the UI in a training process like any run, and
 * read back as retention matrices. The CLI's `continual` records the same rows, so both show on the page.
 */
import type { Database } from 'better-sqlite3';
import type { ContinualView } from '../../src-shared/continual.ts';
import type { ContinualConfig, TrainConfig } from '../../src-shared/train-config.ts';
import { loadDataset } from '../data/index.ts';
import { metricsForRun } from '../db/tables/metrics.ts';
import { insertRun } from '../db/tables/runs.ts';
import { UserError } from '../errors.ts';
import { resolveModelDir } from '../models/default-model.ts';
import type { FromWorker } from '../training/protocol.ts';
import { retentionFromPoints } from '../training/retention.ts';
import { superviseRun } from '../training/supervisor.ts';
import type { SupervisedRun } from '../training/supervisor.ts';
import { listRunViews } from './runs.ts';
import { removeStaleRunDir } from '../export/project-cleanup.ts';
import { continualFusions, stageAdapters } from './continual-fusion.ts';

/** The marker a continual run's stored config carries (the CLI writes the same). */
export const CONTINUAL_PROTOCOL = 'continual';

export const continualName = (config: ContinualConfig) =>
  config.name ?? `continual ${config.method.type}: ${config.tasks.map((t) => t.name).join(' → ')}`;

/** Inserts the run row of a continual run (shared with the CLI). */
export function insertContinualRun(db: Database, config: ContinualConfig): number {
  return insertRun(db, {
    name: continualName(config),
    datasetId: null,
    baseModelId: null,
    method: config.method.type,
    config: { ...config, protocol: CONTINUAL_PROTOCOL } as unknown as Record<string, unknown>,
    createdAt: new Date().toISOString(),
  });
}

/** Task names are unique and the model folder resolves: the checks that need neither the engine nor a dataset. */
export function checkContinualTasks(config: ContinualConfig): void {
  const names = new Set<string>();
  for (const t of config.tasks) {
    if (names.has(t.name))
      throw new UserError(`tasks: "${t.name}" appears twice; give each task its own name`);
    names.add(t.name);
  }
  resolveModelDir(config.model);
}

/** Each task as the one-dataset config the pre-flight checks (training/preflight/). */
export const continualTaskConfigs = (config: ContinualConfig): TrainConfig[] =>
  config.tasks.map((t) => ({ ...config, dataset: t.dataset }));

export function startContinual(
  db: Database,
  projectDir: string,
  config: ContinualConfig,
  onMessage?: (m: FromWorker) => void,
  env?: NodeJS.ProcessEnv,
): SupervisedRun {
  checkContinualTasks(config);
  // Every task's dataset is validated before the run row exists (the caller ran the engine's pre-flight of each
  // task first): bad input leaves the project unchanged.
  for (const t of config.tasks) loadDataset(t.dataset);
  const runId = insertContinualRun(db, config);
  // The id is new: a folder already under its name is a crash's leftover and must not be inherited.
  removeStaleRunDir(projectDir, runId);
  return superviseRun({ db, projectDir, runId, job: { kind: 'continual', config }, onMessage, env });
}

/**
 * Every continual run of a project with the rows of its retention matrix recorded so far, the tasks whose adapter
 * it kept and the fusions made from them, newest first.
 */
export function continualViews(db: Database, projectDir: string): ContinualView[] {
  return listRunViews(db)
    .filter((run) => run.config.protocol === CONTINUAL_PROTOCOL)
    .map((run) => {
      const tasks = ((run.config.tasks ?? []) as { name: string }[]).map((t) => t.name);
      const kept = new Set(stageAdapters(db, projectDir, run.id).map((s) => s.task));
      return {
        run,
        ...retentionFromPoints(tasks, metricsForRun(db, run.id)),
        stageAdapters: tasks.filter((t) => kept.has(t)),
        fusions: continualFusions(db, run.id),
      };
    });
}
