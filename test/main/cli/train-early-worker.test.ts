/**
 * `studio train` starts its training process before the pre-flight, so the process's start-up overlaps the checks.
 * A refused config must still end as the one line it always was, write nothing, and leave no process behind; a
 * process that dies before its run is recorded must still end the run, not hang it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { artifactsForRun } from '../../../src-main/db/tables/artifacts.ts';
import { getRun, insertRun } from '../../../src-main/db/tables/runs.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { startTrainingProcess, superviseRun } from '../../../src-main/training/supervisor.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { childPids, waitFor } from '../../helpers/processes.ts';
import { studioInProcess, writeConfigFile } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-early-worker-');
afterAll(() => tmp.cleanup());
const studio = studioInProcess(path.join(tmp.dir, 'home'));

const config = (project: string, method: Record<string, unknown>) => ({
  project,
  model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
  dataset: { sample: 'first-names' },
  method,
  train: { epochs: 1, batchSize: 8, maxLength: 12, maxSteps: 1 },
});

describe('studio train with its training process started ahead of the pre-flight', () => {
  it.each([
    [
      'a LoRA rank wider than the layers',
      { type: 'lora', r: 100000 },
      /lora\.r 100000 is larger than the layer width/,
    ],
    ['LoRA targets that match nothing', { type: 'lora', r: 2, targets: ['nothing_here'] }, /match no module/],
  ])('refuses %s in one line, writes nothing and stops the waiting process', async (_, method, message) => {
    const project = path.join(tmp.dir, `refused-${String(method.r)}`);
    const file = writeConfigFile(
      path.join(tmp.dir, `refused-${String(method.r)}.json`),
      config(project, method),
    );
    const r = await studio(['train', '--config', file, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(project)).toBe(false);
    // The process started for the run was stopped: this test process's only children are gone (the in-process CLI
    // keeps its IPC channel open, so a process left waiting would live on).
    expect(await waitFor(() => childPids(process.pid).length === 0, 10_000)).toBe(true);
  });

  it('settles `recorded` with the outcome in the database, the adapter row included, before or with `done`', async () => {
    const dir = path.join(tmp.dir, 'recorded');
    fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    const db = openDatabase(path.join(dir, 'studio.db'));
    initProject(db, { name: 'recorded', createdAt: new Date().toISOString() });
    const run = startRun(db, dir, trainConfigSchema.parse(config(dir, { type: 'lora', r: 2 })));
    const outcome = await run.recorded;
    // What the CLI prints and leaves behind is all there once `recorded` settles.
    expect(outcome.status).toBe('completed');
    const row = getRun(db, run.runId);
    expect(row?.status).toBe('completed');
    expect(row?.finishedAt).not.toBeNull();
    expect(artifactsForRun(db, run.runId).map((a) => a.kind)).toContain('adapter');
    expect(await run.done).toEqual(outcome);
    db.close();
  });

  it('ends a run whose process died before the run was recorded as interrupted', async () => {
    const dir = path.join(tmp.dir, 'died-early');
    fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    const db = openDatabase(path.join(dir, 'studio.db'));
    initProject(db, { name: 'died-early', createdAt: new Date().toISOString() });
    const worker = startTrainingProcess();
    worker.child.kill('SIGKILL');
    await worker.exited;
    const cfg = config(dir, { type: 'lora', r: 2 });
    const runId = insertRun(db, {
      name: 'r',
      datasetId: null,
      baseModelId: null,
      method: 'lora',
      config: cfg,
      createdAt: new Date().toISOString(),
    });
    const run = superviseRun({
      db,
      projectDir: dir,
      runId,
      job: { kind: 'train', config: trainConfigSchema.parse(cfg) },
      worker,
    });
    const outcome = await run.done;
    expect(outcome.status).toBe('interrupted');
    expect(outcome.message).toMatch(/training process ended unexpectedly \(SIGKILL\)/);
    expect(getRun(db, runId)?.status).toBe('interrupted');
    db.close();
  });
});
