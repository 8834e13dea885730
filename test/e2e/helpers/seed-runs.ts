/**
 * Realistic run data for UI tests and screenshots, written straight into a project's studio.db with the same
 * table modules the trainer uses (runs, metrics, artifacts). Curves are deterministic (seeded) and shaped like
 * real fine-tuning: decaying noisy loss, warmup-then-linear-decay learning rate, evaluations every N steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { PROJECT_DB_FILE } from '../../../src-main/app/paths.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { insertArtifact } from '../../../src-main/db/tables/artifacts.ts';
import { logMetrics } from '../../../src-main/db/tables/metrics.ts';
import type { MetricPoint } from '../../../src-main/db/tables/metrics.ts';
import { insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import type { RunStatus } from '../../../src-main/db/tables/runs.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';

/** The tiny BERT the PEFT fixtures were made on. */
export const TINY_BERT = path.join(HF_TINY_DIR, 'bert-seqcls/base');

export interface SeedRunSpec {
  name: string;
  /** The method block of the train config, e.g. `{ type: 'lora', r: 8, alpha: 16 }`. */
  method: { type: string } & Record<string, unknown>;
  status: RunStatus;
  /** Steps already recorded. */
  steps: number;
  totalSteps: number;
  evalEvery: number;
  lr: number;
  trainableParams: number;
  totalParams: number;
  /** Adapter size on disk; a file of this size is written under artifacts/ (none when null). */
  adapterBytes: number | null;
  /** Where validation accuracy levels off. */
  finalAccuracy: number;
  seed: number;
  message?: string;
  /** The base model the run names (default: bert-base-uncased). */
  model?: string;
}

/** Mulberry32: tiny, seeded, good enough for test noise. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The points a run records at one step (train every step, validation every `evalEvery`). */
export function pointsAt(spec: SeedRunSpec, step: number): MetricPoint[] {
  const noise = rng(spec.seed * 100_003 + step);
  const t = step / spec.totalSteps;
  const floor = 0.25 + (1 - spec.finalAccuracy) * 1.5;
  const loss = floor + 0.45 * Math.exp(-5 * t) + (noise() - 0.5) * 0.18;
  const warmup = Math.max(1, Math.round(spec.totalSteps * 0.06));
  const lr =
    step < warmup
      ? (spec.lr * step) / warmup
      : (spec.lr * (spec.totalSteps - step)) / (spec.totalSteps - warmup);
  const points: MetricPoint[] = [
    { split: 'train', name: 'loss', step, value: loss },
    { split: 'train', name: 'lr', step, value: lr },
    {
      split: 'system',
      name: 'throughput',
      step,
      value: 1800 + 400 * noise() - (spec.method.type === 'full' ? 900 : 0),
    },
    { split: 'system', name: 'step_ms', step, value: 40 + 10 * noise() },
  ];
  if (step > 0 && step % spec.evalEvery === 0) {
    const acc = 0.5 + (spec.finalAccuracy - 0.5) * (1 - Math.exp(-6 * t)) + (noise() - 0.5) * 0.01;
    points.push(
      { split: 'validation', name: 'loss', step, value: floor + 0.05 + 0.4 * Math.exp(-5 * t) },
      { split: 'validation', name: 'accuracy', step, value: acc },
      { split: 'validation', name: 'macroF1', step, value: acc - 0.015 - 0.01 * noise() },
    );
  }
  return points;
}

/** Opens (and migrates) the database of a project folder created by the app. */
export function openProjectDb(projectDir: string): Database {
  return openDatabase(path.join(projectDir, PROJECT_DB_FILE));
}

/** The config a run of this spec would have been started with. */
export function seedConfig(projectDir: string, spec: SeedRunSpec): Record<string, unknown> {
  return {
    project: projectDir,
    model: spec.model ?? 'bert-base-uncased',
    name: spec.name,
    dataset: { sample: 'first-names' },
    method: spec.method,
    train: {
      epochs: 3,
      batchSize: 32,
      lr: spec.lr,
      maxLength: 64,
      seed: 0,
      warmupRatio: 0.06,
      schedule: 'linear',
      gradClip: 1,
      gradAccumulation: 1,
      evalEvery: spec.evalEvery,
      weightDecay: 0.01,
      dropout: true,
      maxSteps: spec.totalSteps,
    },
  };
}

/** Writes one run with its metrics up to `spec.steps` and, when it has one, its adapter; returns the run id. */
export function seedRun(db: Database, projectDir: string, spec: SeedRunSpec, createdAt = new Date()): number {
  const runId = insertRun(db, {
    name: spec.name,
    datasetId: null,
    baseModelId: null,
    method: spec.method.type,
    config: seedConfig(projectDir, spec),
    createdAt: createdAt.toISOString(),
  });
  const points: MetricPoint[] = [];
  for (let step = 1; step <= spec.steps; step++) points.push(...pointsAt(spec, step));
  logMetrics(db, runId, points);
  const finished = ['completed', 'failed', 'cancelled', 'diverged'].includes(spec.status);
  updateRunStatus(db, runId, {
    status: spec.status,
    message: spec.message ?? null,
    step: spec.steps,
    totalSteps: spec.totalSteps,
    trainableParams: spec.trainableParams,
    totalParams: spec.totalParams,
    startedAt: new Date(createdAt.getTime() + 2_000).toISOString(),
    heartbeatAt: new Date().toISOString(),
    ...(finished ? { finishedAt: new Date(createdAt.getTime() + 600_000).toISOString() } : {}),
  });
  if (spec.adapterBytes !== null) {
    const rel = path.join('artifacts', `run-${runId}`, 'adapter', 'adapter_model.safetensors');
    fs.mkdirSync(path.dirname(path.join(projectDir, rel)), { recursive: true });
    // A sparse file of the right size: the UI only reads the recorded byte count.
    fs.writeFileSync(path.join(projectDir, rel), '');
    fs.truncateSync(path.join(projectDir, rel), spec.adapterBytes);
    insertArtifact(db, {
      runId,
      kind: 'adapter',
      path: rel,
      sha256: '0'.repeat(64),
      bytes: spec.adapterBytes,
      meta: { step: spec.steps },
      createdAt: new Date().toISOString(),
    });
  }
  return runId;
}

/** Records `count` more steps of a running run, as the trainer would (metrics, step, heartbeat). */
export function appendSteps(
  db: Database,
  runId: number,
  spec: SeedRunSpec,
  fromStep: number,
  count: number,
): number {
  const last = Math.min(spec.totalSteps, fromStep + count - 1);
  const points: MetricPoint[] = [];
  for (let step = fromStep; step <= last; step++) points.push(...pointsAt(spec, step));
  logMetrics(db, runId, points);
  updateRunStatus(db, runId, { step: last, heartbeatAt: new Date().toISOString() });
  return last;
}

/** BERT-base sized parameter counts. */
const BASE_PARAMS = 109_483_778;

/** Ready-made runs with the trade-offs people compare: methods differ in size, quality and cost. */
export const SEED_RUNS = {
  bottleneck: {
    name: 'bottleneck-rf16',
    method: {
      type: 'bottleneck',
      variant: 'pfeiffer',
      placement: 'sequential',
      reductionFactor: 16,
      activation: 'relu',
      scaling: 1,
    },
    status: 'completed',
    steps: 300,
    totalSteps: 300,
    evalEvery: 25,
    lr: 1e-3,
    trainableParams: 895_874,
    totalParams: BASE_PARAMS,
    adapterBytes: 3_590_000,
    finalAccuracy: 0.91,
    seed: 1,
  },
  lora: {
    name: 'lora-r8',
    method: { type: 'lora', r: 8, alpha: 16, dropout: 0.05, targets: ['query', 'value'], rslora: false },
    status: 'completed',
    steps: 300,
    totalSteps: 300,
    evalEvery: 25,
    lr: 5e-4,
    trainableParams: 296_450,
    totalParams: BASE_PARAMS,
    adapterBytes: 1_190_000,
    finalAccuracy: 0.895,
    seed: 2,
  },
  ia3: {
    name: 'ia3',
    method: { type: 'ia3', targets: ['key', 'value', 'output.dense'] },
    status: 'completed',
    steps: 300,
    totalSteps: 300,
    evalEvery: 25,
    lr: 3e-3,
    trainableParams: 66_818,
    totalParams: BASE_PARAMS,
    adapterBytes: 270_000,
    finalAccuracy: 0.86,
    seed: 3,
  },
  running: {
    name: 'lora-r16-live',
    method: { type: 'lora', r: 16, alpha: 32, dropout: 0.05, targets: ['query', 'value'], rslora: true },
    status: 'running',
    steps: 40,
    totalSteps: 300,
    evalEvery: 25,
    lr: 5e-4,
    trainableParams: 591_362,
    totalParams: BASE_PARAMS,
    adapterBytes: null,
    finalAccuracy: 0.9,
    seed: 4,
  },
} satisfies Record<string, SeedRunSpec>;

/**
 * A finished LoRA run (seeded curves) whose adapter is the tiny BERT's real PEFT adapter, on that base: one the
 * export, evaluate and download pages can really load (its labels: LABEL_0..2). `peftFilesOnly` keeps only
 * PEFT's own files (adapter_*) in the adapter folder.
 */
export function seedPeftLoraRun(
  db: Database,
  projectDir: string,
  opts: { peftFilesOnly?: boolean } = {},
): number {
  const runId = seedRun(db, projectDir, { ...SEED_RUNS.lora, model: TINY_BERT });
  const adapterDir = path.join(projectDir, `artifacts/run-${runId}/adapter`);
  fs.rmSync(adapterDir, { recursive: true });
  fs.cpSync(path.join(HF_TINY_DIR, 'bert-seqcls/lora'), adapterDir, { recursive: true });
  if (opts.peftFilesOnly)
    for (const f of fs.readdirSync(adapterDir)) if (!/^adapter_/.test(f)) fs.rmSync(path.join(adapterDir, f));
  return runId;
}
