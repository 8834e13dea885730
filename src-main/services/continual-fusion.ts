/**
 * AdapterFusion over a continual run's tasks (issue #15: "the Continual page can add a fusion over the tasks'
 * adapters"): a `fuse` train config over the adapters the sequence kept, one per stage, trained on one of its
 * tasks. It starts like any fusion (runs:start's path: pre-flight in the engine process, a training process) and
 * is linked to its sequence, so the Continual page shows it there. `studio continual-fuse` does the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { ContinualFusionView } from '../../src-shared/continual.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { ContinualConfig, TrainConfig } from '../../src-shared/train-config.ts';
import { artifactsForRun } from '../db/tables/artifacts.ts';
import { fusionsOfContinual } from '../db/tables/continual-fusions.ts';
import { UserError } from '../errors.ts';
import { STAGE_ADAPTER } from '../training/run-dirs.ts';
import { runView } from './runs.ts';

/** The adapters continual run `runId` kept, by task (absolute folders), in the order the stages trained. */
export function stageAdapters(
  db: Database,
  projectDir: string,
  runId: number,
): { task: string; dir: string }[] {
  return artifactsForRun(db, runId)
    .filter((a) => a.kind === STAGE_ADAPTER && typeof a.meta.task === 'string')
    .map((a) => ({ task: a.meta.task as string, dir: path.join(projectDir, a.path) }));
}

/** The fusions made from continual run `runId`, with their runs as the runs list shows them. */
export const continualFusions = (db: Database, runId: number): ContinualFusionView[] =>
  fusionsOfContinual(db, runId).map((l) => ({ task: l.task, run: runView(db, l.fusionRunId) }));

/**
 * The `fuse` config over continual run `runId`'s stage adapters, trained on its task `task` with the sequence's
 * model and training options (`epochs` in place of its epochs). Refused in one line when the run is no finished
 * continual run of bottleneck adapters with every stage's adapter kept.
 */
export function continualFusionConfig(
  db: Database,
  project: string,
  runId: number,
  task: string,
  opts: { epochs?: number } = {},
): TrainConfig {
  const run = runView(db, runId);
  if (run.config.protocol !== 'continual') throw new UserError(`run ${runId} is not a continual run`);
  const config = run.config as unknown as ContinualConfig;
  if (run.status !== 'completed')
    throw new UserError(
      `continual run ${runId} is ${run.status}: its tasks' adapters can be fused once every stage has trained`,
    );
  if (config.method.type !== 'bottleneck')
    throw new UserError(
      `continual run ${runId} trained ${config.method.type} adapters; AdapterFusion fuses bottleneck adapters (run the sequence with the bottleneck method)`,
    );
  const target = config.tasks.find((t) => t.name === task);
  if (!target)
    throw new UserError(
      `task: "${task}" is not a task of continual run ${runId} (its tasks: ${config.tasks.map((t) => t.name).join(', ')})`,
    );
  const kept = stageAdapters(db, path.resolve(project), runId);
  const missing = config.tasks.filter((t) => !kept.some((k) => k.task === t.name && fs.existsSync(k.dir)));
  if (missing.length > 0)
    throw new UserError(
      `continual run ${runId} has no adapter kept for ${missing.map((t) => `"${t.name}"`).join(', ')} (runs from before stage adapters were kept): run the sequence again`,
    );
  return trainConfigSchema.parse({
    project,
    model: config.model,
    name: `fusion of continual #${runId} on ${task}`,
    dataset: target.dataset,
    method: { type: 'fuse', adapters: config.tasks.map((t) => kept.find((k) => k.task === t.name)?.dir) },
    train: { ...config.train, ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}) },
  });
}
