import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { getRun } from '../../../src-main/db/tables/runs.ts';
import { resumeRun, startRun } from '../../../src-main/services/training.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { lastJsonLine, writeConfigFile } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-train-');
afterAll(() => tmp.cleanup());

function newProject(name: string) {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  return { dir, db };
}

const config = (project: string, extra: Partial<TrainConfigInput> = {}) =>
  trainConfigSchema.parse({
    project,
    model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
    dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
    method: { type: 'lora', r: 2, alpha: 4 },
    train: { epochs: 6, batchSize: 2, lr: 0.01, maxLength: 16, evalEvery: 3, seed: 3 },
    ...extra,
  });

describe('training runs (child process, recorded in studio.db)', () => {
  it('a killed training process is marked interrupted, and resuming ends exactly as an uninterrupted run', async () => {
    const a = newProject('uninterrupted');
    const full = await startRun(a.db, a.dir, config(a.dir)).done;
    expect(full.status).toBe('completed');

    const b = newProject('killed');
    let killedAt = 0;
    const run = startRun(b.db, b.dir, config(b.dir), (m) => {
      // Kill mid-epoch, after the first checkpoint (step 3) exists.
      if (m.type === 'progress' && m.step === 5 && !killedAt) {
        killedAt = m.step;
        run.child.kill('SIGKILL');
      }
    });
    const first = await run.done;
    expect(first.status).toBe('interrupted');
    expect(getRun(b.db, run.runId)?.status).toBe('interrupted');
    expect(b.db.pragma('integrity_check', { simple: true })).toBe('ok');

    const resumed = await resumeRun(b.db, b.dir, run.runId).done;
    expect(resumed.status).toBe('completed');
    expect(resumed.summary?.metrics).toEqual(full.summary?.metrics);
    expect(getRun(b.db, run.runId)?.status).toBe('completed');
    // Same final adapter weights, byte for byte.
    const adapterOf = (dir: string, id: number) =>
      fs.readFileSync(path.join(dir, `artifacts/run-${id}/adapter/adapter.safetensors`));
    expect(adapterOf(b.dir, run.runId).equals(adapterOf(a.dir, 1))).toBe(true);
    expect(b.db.pragma('integrity_check', { simple: true })).toBe('ok');
    a.db.close();
    b.db.close();
  });

  it('a malformed dataset fails with its message and leaves the database unchanged', () => {
    const p = newProject('malformed');
    const dump = () =>
      JSON.stringify(p.db.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all()) +
      JSON.stringify(p.db.prepare('SELECT * FROM projects').all());
    const before = dump();
    const bad = config(p.dir, {
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/malformed/broken-quote.csv') },
    });
    expect(() => startRun(p.db, p.dir, bad)).toThrow(/broken-quote\.csv:2: a quoted field is never closed/);
    for (const t of ['runs', 'datasets', 'base_models', 'metrics', 'artifacts']) {
      expect((p.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n).toBe(0);
    }
    expect(dump()).toBe(before);
    p.db.close();
  });
});

describe('studio train (CLI contract)', () => {
  it('trains on a sample dataset and a fixture model, plain progress lines, the JSON summary last, all in studio.db', () => {
    const project = path.join(tmp.dir, 'cli-project');
    const file = writeConfigFile(path.join(tmp.dir, 'train.json'), {
      project,
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      dataset: { sample: 'first-names' },
      method: { type: 'bottleneck', variant: 'houlsby' },
      train: { epochs: 1, batchSize: 32, maxLength: 12, maxSteps: 8, evalEvery: 4 },
    });
    const r = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/studio.mjs'), 'train', '--config', file, '--json'],
      {
        encoding: 'utf8',
        env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
        timeout: 300_000,
      },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^step 8\/8 epoch/m);
    const summary = lastJsonLine<Record<string, unknown>>(r.stdout);
    expect(summary).toMatchObject({ runId: 1, status: 'completed', adapterDir: 'artifacts/run-1/adapter' });
    expect(Object.keys(summary.metrics as object).sort()).toEqual(['accuracy', 'loss', 'macroF1']);
    expect(summary.trainableParams).toBeGreaterThan(0);
    expect(summary.totalParams).toBeGreaterThan(summary.trainableParams as number);

    const db = new Database(path.join(project, 'studio.db'), { readonly: true });
    const run = db.prepare('SELECT * FROM runs WHERE id = 1').get() as {
      status: string;
      config_json: string;
      trainable_params: number;
      peak_memory_bytes: number | null;
    };
    expect(run.status).toBe('completed');
    // The training process's high-water mark: a tf.js process with a model loaded takes tens of MB at least.
    expect(run.peak_memory_bytes).toBeGreaterThan(20e6);
    expect(JSON.parse(run.config_json).method.type).toBe('bottleneck');
    expect(run.trainable_params).toBe(summary.trainableParams);
    const metrics = db
      .prepare(`SELECT count(*) AS n FROM metrics WHERE run_id = 1 AND split = 'train' AND name = 'loss'`)
      .get() as { n: number };
    expect(metrics.n).toBe(8);
    const artifacts = db.prepare('SELECT kind, path, sha256 FROM artifacts WHERE run_id = 1').all() as {
      kind: string;
      path: string;
      sha256: string;
    }[];
    expect(artifacts.map((a) => a.kind)).toContain('adapter');
    for (const a of artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    db.close();
  });

  it('refuses a bad config field in one line', () => {
    const file = writeConfigFile(path.join(tmp.dir, 'bad.json'), {
      project: 'p',
      model: 'm',
      dataset: { sample: 'x' },
      method: { type: 'lora', r: 0 },
    });
    const r = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/studio.mjs'), 'train', '--config', file],
      { encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe(`studio: ${file}: Rank r must be greater than 0 (method.r)`);
  });
});
