/**
 * Pause, resume and cancel through the real training process (the worker and its supervisor): the messages
 * arrive while the loop trains, as they do from the UI.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { artifactsForRun } from '../../../src-main/db/tables/artifacts.ts';
import { metricsForRun } from '../../../src-main/db/tables/metrics.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { getRun } from '../../../src-main/db/tables/runs.ts';
import { resumeRun, startRun } from '../../../src-main/services/training.ts';
import { readRunLog, runLogFile } from '../../../src-main/training/run-log.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-controls-');
const TOTAL = 30;

function newProject(name: string) {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  return { dir, db };
}

const config = (project: string, lr = 0.01) =>
  trainConfigSchema.parse({
    project,
    model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
    dataset: { sample: 'first-names' },
    method: { type: 'lora', r: 2, alpha: 4 },
    train: { epochs: 1, batchSize: 16, lr, maxLength: 12, evalEvery: 10, maxSteps: TOTAL, seed: 5 },
  });

const trainLosses = (db: Database, runId: number) =>
  metricsForRun(db, runId).filter((p) => p.split === 'train' && p.name === 'loss');
const adapterBytes = (dir: string, runId: number) =>
  fs.readFileSync(path.join(dir, `artifacts/run-${runId}/adapter/adapter.safetensors`));
const logOf = (dir: string, runId: number) =>
  readRunLog(runLogFile(dir, runId)).lines.map((l) => l.replace(/^\S+ \S+\s+/, ''));

let reference: { dir: string; db: Database; runId: number } | undefined;
const ref = () => {
  if (!reference) throw new Error('the uninterrupted reference run did not finish');
  return reference;
};
beforeAll(async () => {
  const p = newProject('uninterrupted');
  const run = startRun(p.db, p.dir, config(p.dir));
  expect((await run.done).status).toBe('completed');
  reference = { ...p, runId: run.runId };
}, 300_000);
afterAll(() => {
  reference?.db.close();
  tmp.cleanup();
});

describe('run controls while the training process trains', () => {
  it('cancel stops within a step of the message and leaves a checkpoint; resuming keeps Started and ends as an uninterrupted run', async () => {
    const p = newProject('cancel');
    let sentAt = 0;
    const run = startRun(p.db, p.dir, config(p.dir), (m) => {
      if (m.type === 'progress' && m.step === 4 && !sentAt) {
        sentAt = m.step;
        run.send({ type: 'cancel' });
      }
    });
    const outcome = await run.done;
    expect(outcome.status).toBe('cancelled');
    const stopped = getRun(p.db, run.runId);
    // The message travels while the next step runs: the loop sees it before the one after.
    expect(stopped?.step).toBeGreaterThanOrEqual(sentAt);
    expect(stopped?.step).toBeLessThanOrEqual(sentAt + 1);
    const last = artifactsForRun(p.db, run.runId)
      .filter((a) => a.kind === 'checkpoint-last')
      .at(-1);
    expect(last?.meta).toEqual({ step: stopped?.step });
    expect(logOf(p.dir, run.runId).at(-1)).toBe('cancelled');

    const startedAt = stopped?.startedAt;
    const resumed = await resumeRun(p.db, p.dir, run.runId).done;
    expect(resumed.status).toBe('completed');
    expect(getRun(p.db, run.runId)?.startedAt).toBe(startedAt);
    expect(trainLosses(p.db, run.runId)).toEqual(trainLosses(ref().db, ref().runId));
    expect(adapterBytes(p.dir, run.runId).equals(adapterBytes(ref().dir, ref().runId))).toBe(true);
    p.db.close();
  }, 300_000);

  it('pause stops within a step and shows paused; resume continues to the same losses and weights', async () => {
    const p = newProject('pause');
    let sentAt = 0;
    let pausedRow: ReturnType<typeof getRun>;
    const run = startRun(p.db, p.dir, config(p.dir), (m) => {
      if (m.type === 'progress' && m.step === 6 && !sentAt) {
        sentAt = m.step;
        run.send({ type: 'pause' });
      }
      if (m.type === 'paused') {
        // The supervisor has recorded it (it handles the message before this callback).
        pausedRow = getRun(p.db, run.runId);
        setTimeout(() => run.send({ type: 'resume' }), 300);
      }
    });
    const outcome = await run.done;
    expect(pausedRow?.status).toBe('paused');
    expect(pausedRow?.step).toBeGreaterThanOrEqual(sentAt);
    expect(pausedRow?.step).toBeLessThanOrEqual(sentAt + 1);
    expect(outcome.status).toBe('completed');
    expect(getRun(p.db, run.runId)?.status).toBe('completed');
    const log = logOf(p.dir, run.runId);
    expect(log).toContain(`paused at step ${pausedRow?.step}`);
    expect(log).toContain(`resumed at step ${pausedRow?.step}`);
    expect(log.at(-1)).toBe('completed');
    expect(trainLosses(p.db, run.runId)).toEqual(trainLosses(ref().db, ref().runId));
    expect(adapterBytes(p.dir, run.runId).equals(adapterBytes(ref().dir, ref().runId))).toBe(true);
    p.db.close();
  }, 300_000);

  it("logs the training process's own clock of the run's phases, which add up to its work", () => {
    const line = logOf(ref().dir, ref().runId).find((l) => l.startsWith('timings: '));
    const m = line?.match(
      /^timings: backend ([\d.]+) s, model and data ([\d.]+) s, training and evaluation ([\d.]+) s, save ([\d.]+) s; work ([\d.]+) s from the job's start \(process start-up ([\d.]+) s before it\)$/,
    );
    expect(m, line).toBeTruthy();
    const [backend, data, train, save, work, startup] = (m ?? []).slice(1).map(Number);
    expect(train).toBeGreaterThan(0);
    expect(startup).toBeGreaterThan(0);
    // Each phase is rounded to 10 ms on its own.
    expect(Math.abs((backend ?? 0) + (data ?? 0) + (train ?? 0) + (save ?? 0) - (work ?? 0))).toBeLessThan(
      0.03,
    );
  });

  it('a pause that arrives after the last step never marks the finished run paused', async () => {
    const p = newProject('late-pause');
    const run = startRun(p.db, p.dir, config(p.dir), (m) => {
      // The adapter is saved after the loop has ended: the run is finishing.
      if (m.type === 'checkpoint' && m.kind === 'adapter') run.send({ type: 'pause' });
    });
    const outcome = await run.done;
    expect(outcome.status).toBe('completed');
    // Anything the worker sent before exiting has been handled by now.
    expect(getRun(p.db, run.runId)?.status).toBe('completed');
    expect(logOf(p.dir, run.runId).filter((l) => l.startsWith('paused'))).toEqual([]);
    p.db.close();
  }, 300_000);

  it('a run whose loss rose far above its start completes with a warning on its row and in its log', async () => {
    const p = newProject('lr-50');
    const run = startRun(p.db, p.dir, config(p.dir, 50));
    const outcome = await run.done;
    expect(outcome.status).toBe('completed');
    const row = getRun(p.db, run.runId);
    expect(row?.warning).toMatch(
      /^loss rose from [\d.]+ at the first step to [\d,.]+: .*lower the learning rate$/,
    );
    expect(outcome.warning).toBe(row?.warning);
    expect(logOf(p.dir, run.runId)).toContain(row?.warning);
    // The good run of the other tests carries none.
    expect(getRun(ref().db, ref().runId)?.warning).toBeNull();
    p.db.close();
  }, 300_000);
});
