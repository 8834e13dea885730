import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventName, Events } from '../../../src-shared/contract.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { logMetrics } from '../../../src-main/db/tables/metrics.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { ProjectDbWatcher } from '../../../src-main/services/db-watch.ts';
import { EventBus } from '../../../src-main/services/event-bus.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-watch-');
afterAll(() => tmp.cleanup());

type Seen = { [K in EventName]: { name: K; payload: Events[K] } }[EventName];

/** A project, a watcher on it, and every event the watcher emitted. */
function watched(name: string) {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir);
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  const events = new EventBus();
  const seen: Seen[] = [];
  events.subscribe((n, payload) => seen.push({ name: n, payload } as Seen));
  const watcher = new ProjectDbWatcher(dir, events);
  afterAll(() => {
    watcher.close();
    db.close();
  });
  /** Resolves with the first event (after `from`) that matches, or fails after `ms`. */
  const next = async (match: (e: Seen) => boolean, from = 0, ms = 5000): Promise<Seen> => {
    const until = Date.now() + ms;
    for (;;) {
      const hit = seen.slice(from).find(match);
      if (hit) return hit;
      if (Date.now() > until)
        throw new Error(`no matching event; saw ${JSON.stringify(seen.map((e) => e.name))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { dir, db, watcher, seen, next };
}

const newRun = (name: string) => ({
  name,
  datasetId: null,
  baseModelId: null,
  method: 'lora',
  config: {},
  createdAt: new Date().toISOString(),
});

describe('the project database watcher', () => {
  it('pushes a run another connection writes, then its steps, metric points and end, with no call', async () => {
    const { dir, next } = watched('second-connection');
    // A second connection of its own, as `studio train` in a terminal has.
    const writer = openDatabase(path.join(dir, 'studio.db'));
    const runId = insertRun(writer, newRun('from the terminal'));
    const added = await next((e) => e.name === 'run:status' && e.payload.run.id === runId);
    expect(added.payload).toMatchObject({
      projectPath: dir,
      run: { name: 'from the terminal', status: 'queued' },
    });

    updateRunStatus(writer, runId, { status: 'running', step: 3, totalSteps: 10 });
    const running = await next(
      (e) => e.name === 'run:status' && e.payload.run.status === 'running' && e.payload.run.step === 3,
    );
    expect(running.payload).toMatchObject({ run: { id: runId, totalSteps: 10 } });

    logMetrics(writer, runId, [
      { split: 'train', name: 'loss', step: 4, value: 0.9 },
      { split: 'train', name: 'loss', step: 5, value: 0.8 },
    ]);
    const points = await next((e) => e.name === 'run:metrics' && e.payload.lastStep === 5);
    expect(points.payload).toEqual({ projectPath: dir, runId, lastStep: 5 });
    await next((e) => e.name === 'run:log' && e.payload.runId === runId);

    updateRunStatus(writer, runId, { status: 'completed', step: 10, finishedAt: new Date().toISOString() });
    await next((e) => e.name === 'run:status' && e.payload.run.status === 'completed');
    writer.close();
  });

  it('sees a write from another process', async () => {
    const { dir, next } = watched('other-process');
    // A plain Node process with its own SQLite connection: nothing in this process hears of the write.
    const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path.join(dir, 'studio.db'))});
      db.prepare("INSERT INTO runs (name, method, config_json, status, created_at) VALUES ('cli run', 'lora', '{}', 'running', ?)").run(new Date().toISOString());
      db.close();`;
    execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT });
    const e = await next((x) => x.name === 'run:status');
    expect(e.payload).toMatchObject({ run: { name: 'cli run', status: 'running' } });
  });

  it('tells of a run deleted by another connection (studio runs delete in a terminal)', async () => {
    const { dir, db, next, seen } = watched('deleted');
    const runId = insertRun(db, newRun('doomed'));
    await next((e) => e.name === 'run:status' && e.payload.run.id === runId);
    const writer = openDatabase(path.join(dir, 'studio.db'));
    const from = seen.length;
    writer.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    writer.close();
    const gone = await next((e) => e.name === 'run:deleted', from);
    expect(gone.payload).toEqual({ projectPath: dir, runId });
  });

  it('emits nothing and queries no table when nothing was committed', async () => {
    const { db, watcher, seen } = watched('quiet');
    insertRun(db, newRun('settled'));
    await new Promise((r) => setTimeout(r, 600));
    const before = seen.length;
    expect(before).toBeGreaterThan(0);
    // data_version is unchanged, so the look stops before reading a table.
    const reads = watcher.reads;
    watcher.check();
    watcher.check();
    expect(seen.length).toBe(before);
    expect(watcher.reads).toBe(reads);
    // The control: a commit makes the next look read.
    insertRun(db, newRun('one more'));
    watcher.check();
    expect(watcher.reads).toBe(reads + 1);
  });
});
