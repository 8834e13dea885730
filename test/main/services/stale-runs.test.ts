import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processIdentity } from '../../../src-main/app/process-identity.ts';
import type { ProcessIdentity } from '../../../src-main/app/process-identity.ts';
import { acquireProjectLock, PROJECT_LOCK_FILE } from '../../../src-main/app/project-lock.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { getRun, insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { UserError } from '../../../src-main/errors.ts';
import { markStaleRunsInterrupted, resumeRun } from '../../../src-main/services/training.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-stale-');
const sleeper = spawn('sleep', ['60']);
afterAll(() => {
  sleeper.kill();
  tmp.cleanup();
});

/** A pid that surely belonged to a process that has exited. */
const deadPid = (): number => spawnSync('true').pid as number;
const live = (): ProcessIdentity => processIdentity(sleeper.pid as number);

function project(name: string) {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  return { dir, db };
}

describe('orphaned runs', () => {
  it('marks interrupted only the runs whose supervising process is gone', () => {
    const { dir, db } = project('stale');
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const fresh = new Date().toISOString();
    const add = (owner: ProcessIdentity | null, heartbeatAt: string) => {
      const id = insertRun(db, {
        name: 'r',
        datasetId: null,
        baseModelId: null,
        method: 'lora',
        config: {},
        createdAt: fresh,
      });
      updateRunStatus(db, id, {
        status: 'running',
        heartbeatAt,
        ownerPid: owner?.pid ?? null,
        ownerStarted: owner?.started ?? null,
      });
      return id;
    };
    // A live owner in a slow step (old heartbeat), and one reporting: both alive.
    const slowLive = add(live(), old);
    const liveFresh = add(live(), fresh);
    const deadOwner = add({ pid: deadPid(), started: null }, fresh);
    // Runs from before owners were recorded: the heartbeat decides.
    const legacyStale = add(null, old);
    const legacyFresh = add(null, fresh);

    expect(markStaleRunsInterrupted(db).sort()).toEqual([deadOwner, legacyStale].sort());
    const status = (id: number) => getRun(db, id)?.status;
    expect(status(slowLive)).toBe('running');
    expect(status(liveFresh)).toBe('running');
    expect(status(legacyFresh)).toBe('running');
    expect(status(deadOwner)).toBe('interrupted');
    // The live run cannot be started a second time beside itself.
    expect(() => resumeRun(db, dir, slowLive)).toThrow(/still running/);
    db.close();
  });

  it('a pid reused by another program is not taken for the run owner', () => {
    const { db } = project('reused');
    const id = insertRun(db, {
      name: 'r',
      datasetId: null,
      baseModelId: null,
      method: 'lora',
      config: {},
      createdAt: new Date().toISOString(),
    });
    // The sleeper's pid with another start time: the owner that had this pid is gone.
    updateRunStatus(db, id, { status: 'running', ownerPid: sleeper.pid as number, ownerStarted: '1' });
    expect(markStaleRunsInterrupted(db)).toEqual([id]);
    db.close();
  });
});

describe('project lock', () => {
  it('refuses a project open in another live studio, in one line naming the lock file', () => {
    const { dir, db } = project('locked');
    db.close();
    fs.writeFileSync(path.join(dir, PROJECT_LOCK_FILE), JSON.stringify(live()));
    let err: unknown;
    try {
      acquireProjectLock(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `${path.join(dir, PROJECT_LOCK_FILE)}: this project is open in another Adapter Studio (pid ${sleeper.pid}); close it there first`,
    );
  });

  it('takes over the lock of a studio that died, and releases it on close', () => {
    const { dir, db } = project('taken-over');
    db.close();
    const file = path.join(dir, PROJECT_LOCK_FILE);
    fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), started: null }));
    const release = acquireProjectLock(dir);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(processIdentity());
    const again = acquireProjectLock(dir); // the same process: shared, counted
    again();
    expect(fs.existsSync(file)).toBe(true);
    release();
    expect(fs.existsSync(file)).toBe(false);
  });
});
