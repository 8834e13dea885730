/**
 * Runs to export and the export/import steps themselves, shared by the export tests: a tiny adapter trained for
 * real or a fixture adapter recorded as a finished run, `studio export` in one format, `studio import` back.
 */
import type { SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { expect } from 'vitest';
import { openDatabase } from '../../src-main/db/open.ts';
import { insertArtifact } from '../../src-main/db/tables/artifacts.ts';
import { logMetrics } from '../../src-main/db/tables/metrics.ts';
import { initProject } from '../../src-main/db/tables/project.ts';
import { insertRun, updateRunStatus } from '../../src-main/db/tables/runs.ts';
import type { RunStatus } from '../../src-main/db/tables/runs.ts';
import { startRun } from '../../src-main/services/training.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from './fixtures.ts';
import { expectSuccess } from './studio-cli.ts';
import type { StudioCli } from './studio-cli.ts';

/** The tiny BERT classifier every export test trains on (it has a pooler, so AdapterHub gets a flex head). */
export const TINY_BERT = path.join(HF_TINY_DIR, 'bert-seqcls/base');

/** Where a run's adapter lives inside its project. */
export function adapterDir(projectDir: string, runId: number): string {
  return path.join(projectDir, `artifacts/run-${runId}/adapter`);
}

/** A project folder made without the services: studio.db with its project row and an empty artifacts/. */
export function newProjectFolder(root: string, name: string): { dir: string; db: Database } {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  return { dir, db };
}

/**
 * Trains `method` for real on the tiny BERT and the small CSV (2 epochs, seeded) and returns the run id once it
 * completed; the run is named `tiny <method type>`.
 */
export async function trainTinyAdapter(
  db: Database,
  projectDir: string,
  method: { type: string } & Record<string, unknown>,
): Promise<number> {
  const run = startRun(
    db,
    projectDir,
    trainConfigSchema.parse({
      project: projectDir,
      model: TINY_BERT,
      name: `tiny ${method.type}`,
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method,
      train: { epochs: 2, batchSize: 4, lr: 0.01, maxLength: 16, evalEvery: 2, seed: 1 },
    }),
  );
  expect((await run.done).status).toBe('completed');
  return run.runId;
}

export interface RecordedRun {
  name: string;
  method: string;
  config: Record<string, unknown>;
  /** Defaults to completed, the only status that can be exported. */
  status?: RunStatus;
  trainableParams?: number;
  totalParams?: number;
  /** A validation accuracy recorded at step 10 (the run's final metric). */
  accuracy?: number;
}

/**
 * Records a finished run without training: its row, its metric and an adapter artifact whose folder
 * `writeAdapter` fills. Returns the run id.
 */
export function recordRunWithAdapter(
  db: Database,
  projectDir: string,
  run: RecordedRun,
  writeAdapter: (dir: string) => void,
): number {
  const createdAt = new Date().toISOString();
  const runId = insertRun(db, {
    name: run.name,
    datasetId: null,
    baseModelId: null,
    method: run.method,
    config: run.config,
    createdAt,
  });
  updateRunStatus(db, runId, {
    status: run.status ?? 'completed',
    trainableParams: run.trainableParams,
    totalParams: run.totalParams,
  });
  if (run.accuracy !== undefined)
    logMetrics(db, runId, [{ split: 'validation', name: 'accuracy', step: 10, value: run.accuracy }]);
  const dir = adapterDir(projectDir, runId);
  fs.mkdirSync(dir, { recursive: true });
  writeAdapter(dir);
  insertArtifact(db, {
    runId,
    kind: 'adapter',
    path: path.relative(projectDir, dir),
    sha256: '0'.repeat(64),
    bytes: 1,
    meta: {},
    createdAt,
  });
  return runId;
}

/** An adapter writer: the tiny BERT's PEFT LoRA fixture (r 2). */
export function copyTinyLora(dir: string): void {
  fs.cpSync(path.join(HF_TINY_DIR, 'bert-seqcls/lora'), dir, { recursive: true });
}

export interface ExportArgs {
  project: string;
  run: number;
  /** Not only the known formats: the CLI's refusal of others is tested too. */
  format: string;
  out: string;
}

/** `studio export`, whatever it answers. */
export function exportRun(cli: StudioCli, a: ExportArgs): SpawnSyncReturns<string> {
  return cli([
    'export',
    '--project',
    a.project,
    '--run',
    String(a.run),
    '--format',
    a.format,
    '--out',
    a.out,
  ]);
}

/** `studio export` that must succeed; it prints the folder or .zip it wrote, which is returned. */
export function exportOk(cli: StudioCli, a: ExportArgs): string {
  const r = exportRun(cli, a);
  expectSuccess(r);
  expect(r.stdout.trim()).toBe(a.out);
  return a.out;
}

/** `studio import` of a bundle that must succeed; returns the id of the run it added. */
export function importOk(cli: StudioCli, project: string, bundle: string): number {
  const r = cli(['import', '--project', project, bundle]);
  expectSuccess(r);
  return Number(r.stdout.trim());
}
