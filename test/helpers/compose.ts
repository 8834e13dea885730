import path from 'node:path';
import type { Database } from 'better-sqlite3';
import * as tf from '@tensorflow/tfjs-core';
import type { ComposeBlock } from '../../src-shared/compose.ts';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { baseIdentity, createAdapter, saveAdapter } from '../../src-main/adapters/index.ts';
import { describeSourceFolder } from '../../src-main/adapters/compose/sources.ts';
import { insertArtifact } from '../../src-main/db/tables/artifacts.ts';
import { logMetrics } from '../../src-main/db/tables/metrics.ts';
import { insertRun, updateRunStatus } from '../../src-main/db/tables/runs.ts';
import { bottleneck16 } from './methods.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { Model } from '../../src-main/models/index.ts';

/**
 * A library adapter as training would leave it: created, every weight moved off its initial value by seeded noise
 * (so it is no longer the identity), saved to `dir` with its labels. Returns `dir`.
 */
export async function trainedLookingAdapter(
  model: Model,
  method: MethodConfig,
  seed: number,
  dir: string,
  labels?: string[],
): Promise<string> {
  const adapter = createAdapter(model, method, seed, labels ? { numLabels: labels.length } : {});
  let s = seed * 101;
  for (const v of adapter.weights.values())
    v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.2, 'float32', s++))));
  const { type: _t, ...config } = method;
  await saveAdapter(
    model,
    adapter,
    { ...config, task: 'classification', labels: labels ?? model.config.labels },
    dir,
    baseIdentity(model),
  );
  adapter.dispose();
  return dir;
}

/** A compose method config over adapter folders. */
export const composeConfig = (block: ComposeBlock, dirs: string[]): MethodConfig => ({
  type: 'compose',
  block,
  sources: dirs.map((dir) => ({ ...describeSourceFolder(dir), dir })),
});

export const leaf = (source: number): ComposeBlock => ({ block: 'adapter', source });

/**
 * A completed run with a real adapter folder (trained-looking weights, see trainedLookingAdapter) written straight
 * into a project's database, for CLI and UI tests of composition that need library adapters but no training.
 */
export async function seedAdapterRun(
  db: Database,
  projectDir: string,
  spec: {
    name: string;
    method: MethodConfig;
    modelDir: string;
    labels: string[];
    seed: number;
    dataset?: string;
  },
): Promise<number> {
  const now = new Date().toISOString();
  const config = {
    project: projectDir,
    model: spec.modelDir,
    name: spec.name,
    dataset: { sample: spec.dataset ?? 'spam-assassin' },
    method: spec.method,
    train: { epochs: 1, batchSize: 8, lr: 0.001, maxLength: 32, seed: spec.seed },
  };
  const id = insertRun(db, {
    name: spec.name,
    datasetId: null,
    baseModelId: null,
    method: spec.method.type,
    config,
    createdAt: now,
  });
  const rel = path.join('artifacts', `run-${id}`, 'adapter');
  const model = loadModel(spec.modelDir, { task: 'sequence-classification', labels: spec.labels });
  await trainedLookingAdapter(model, spec.method, spec.seed, path.join(projectDir, rel), spec.labels);
  model.dispose();
  insertArtifact(db, {
    runId: id,
    kind: 'adapter',
    path: rel,
    sha256: '',
    bytes: 1,
    meta: {},
    createdAt: now,
  });
  updateRunStatus(db, id, { status: 'completed', step: 10, totalSteps: 10, startedAt: now, finishedAt: now });
  logMetrics(db, id, [{ split: 'validation', name: 'accuracy', step: 10, value: 0.9 }]);
  return id;
}

/**
 * The library the composition UI tests start from: two Pfeiffer bottleneck adapters on `modelDir`, "spam or ham"
 * (spam-assassin, seed 1) and then "names by gender" (first-names, seed 2); their run ids.
 */
export async function seedTwoTaskLibrary(
  db: Database,
  projectDir: string,
  modelDir: string,
): Promise<{ spam: number; names: number }> {
  const base = { method: bottleneck16('pfeiffer'), modelDir };
  const spam = await seedAdapterRun(db, projectDir, {
    ...base,
    name: 'spam or ham',
    labels: ['ham', 'spam'],
    seed: 1,
  });
  const names = await seedAdapterRun(db, projectDir, {
    ...base,
    name: 'names by gender',
    dataset: 'first-names',
    labels: ['female', 'male'],
    seed: 2,
  });
  return { spam, names };
}
