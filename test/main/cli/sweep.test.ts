/**
 * `studio sweep` end to end on the tiny BERT fixture: real training processes, real rung evaluations. The sweep's
 * process is killed (SIGKILL, as a crash or power cut would) while a trial trains; `studio sweep --resume` then
 * resumes that trial's run from its checkpoint, runs the rest, and marks the best.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { SweepView } from '../../../src-shared/sweep.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { lastJsonLine, writeConfigFile } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-sweep-cli-');
afterAll(() => tmp.cleanup());
const env = { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') };
const STUDIO = path.join(REPO_ROOT, 'bin/studio.mjs');
const studio = (args: string[]) =>
  spawnSync(process.execPath, [STUDIO, ...args], { encoding: 'utf8', env, timeout: 300_000 });

function query<T>(project: string, sql: string): T | undefined {
  const file = path.join(project, 'studio.db');
  if (!fs.existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).get() as T | undefined;
  } catch {
    return undefined; // not migrated yet
  } finally {
    db.close();
  }
}

describe('studio sweep', () => {
  it('runs a grid with halving, survives a kill in the middle of a trial, and marks the best on --resume', async () => {
    const project = path.join(tmp.dir, 'project');
    const config = writeConfigFile(path.join(tmp.dir, 'sweep.json'), {
      project,
      name: 'lr',
      base: {
        model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
        dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
        method: { type: 'lora', r: 2, alpha: 4 },
        train: { epochs: 20, batchSize: 8, maxLength: 12, maxSteps: 40, dropout: false },
      },
      space: { 'train.lr': [1e-5, 3e-3, 1e-2, 3e-2] },
      halving: { eta: 2, rungs: 2 },
    });
    const child = spawn(process.execPath, [STUDIO, 'sweep', '--config', config, '--json'], {
      env,
      stdio: 'ignore',
    });
    // Killed as soon as the second trial has written its first checkpoint (step 10 of 40).
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      const hit = query<{ run_id: number }>(
        project,
        `SELECT t.run_id FROM sweep_trials t JOIN artifacts a ON a.run_id = t.run_id
         WHERE t.idx = 1 AND a.kind = 'checkpoint-last' LIMIT 1`,
      );
      if (hit) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const cut = query<{ run_id: number; state: string }>(
      project,
      'SELECT run_id, state FROM sweep_trials WHERE idx = 1',
    );
    expect(cut?.state).toBe('running');

    const listed = studio(['sweeps', '--project', project, '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(lastJsonLine<SweepView[]>(listed.stdout)[0]?.status).toBe('interrupted');

    const resumed = studio(['sweep', '--project', project, '--resume', '1', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    // The cut-off trial went on from its checkpoint (not from step 0) in the same run.
    expect(resumed.stderr).toMatch(/resuming from step \d+/);
    const view = lastJsonLine<SweepView>(resumed.stdout);
    expect(view.status).toBe('completed');
    expect(view.trials[1]?.runId).toBe(cut?.run_id);
    expect(view.trials.every((t) => ['completed', 'stopped'].includes(t.state))).toBe(true);
    expect(view.trials.every((t) => t.rungScores.length >= 1)).toBe(true);
    const completed = view.trials.filter((t) => t.state === 'completed');
    const best = view.trials.find((t) => t.index === view.bestTrial);
    expect(best?.state).toBe('completed');
    for (const t of completed) expect(best?.score ?? 0).toBeGreaterThanOrEqual(t.score ?? 0);
    const runs = studio(['runs', 'list', '--project', project, '--json']);
    expect(runs.stdout).toContain('best trial');

    const bad = studio(['sweep', '--project', project, '--resume', '9']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim()).toBe('studio: sweep 9 does not exist in this project');
  }, 600_000);
});
