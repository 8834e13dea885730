/**
 * Opening a project puts right what a crash left among a run's kept step checkpoints
 * (`artifacts/run-N/checkpoints/step-S`): a dead process's half copy (`step-S.tmp-PID`) is removed, a step set aside
 * by a dead process (`step-S.old-PID`) is restored when its replacement never arrived, and a live process's work is
 * kept. Pending resume points (`checkpoint-last.pending-S`, named by step) are dropped once no live process
 * supervises their run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { cleanProjectLeftovers } from '../../../src-main/export/project-cleanup.ts';
import { newProjectFolder } from '../../helpers/export-fixtures.ts';
import { writeLeftovers } from '../../helpers/small-disk.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-project-cleanup-');
afterAll(() => tmp.cleanup());
/** Above Linux's largest pid (2^22): no process can have it, so its leftovers are a dead process's. */
const DEAD_PID = 4_194_399;

const newRun = (db: Parameters<typeof insertRun>[0]) =>
  insertRun(db, {
    name: 'r',
    datasetId: null,
    baseModelId: null,
    method: 'lora',
    config: {},
    createdAt: new Date().toISOString(),
  });

describe('opening a project cleans kept step checkpoints', () => {
  it("drops a dead process's half copies, restores a set-aside step, keeps a live process's work", () => {
    const p = newProjectFolder(tmp.dir, 'steps');
    newRun(p.db);
    const cp = (rel: string) => path.join(p.dir, 'artifacts/run-1/checkpoints', rel);
    const files = {
      'step-2/state.json': 'kept',
      [`step-4.tmp-${DEAD_PID}/state.json`]: 'half copy',
      [`step-4.tmp-${DEAD_PID}-abcd/state.json`]: 'half copy',
      [`step-6.old-${DEAD_PID}/state.json`]: 'set aside',
      [`step-8.tmp-${process.pid}/state.json`]: 'being copied',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(cp(rel)), { recursive: true });
      fs.writeFileSync(cp(rel), text);
    }
    const removed = cleanProjectLeftovers(p.dir, p.db);
    p.db.close();
    expect(fs.readdirSync(cp('')).sort()).toEqual(['step-2', 'step-6', `step-8.tmp-${process.pid}`]);
    expect(fs.readFileSync(cp('step-6/state.json'), 'utf8')).toBe('set aside');
    expect(removed.sort()).toEqual(
      [`step-4.tmp-${DEAD_PID}`, `step-4.tmp-${DEAD_PID}-abcd`, `step-6.old-${DEAD_PID}`].map((n) => cp(n)),
    );
    expect(writeLeftovers(path.join(p.dir, 'artifacts'))).toEqual([
      path.join('run-1/checkpoints', `step-8.tmp-${process.pid}`),
    ]);
  });

  it('drops the pending resume points of a run whose supervisor is gone, keeps those of a live one', () => {
    const p = newProjectFolder(tmp.dir, 'pending');
    const dead = newRun(p.db);
    const live = newRun(p.db);
    updateRunStatus(p.db, dead, { status: 'running', ownerPid: DEAD_PID, ownerStarted: null });
    updateRunStatus(p.db, live, { status: 'running', ownerPid: process.pid, ownerStarted: null });
    const a = (rel: string) => path.join(p.dir, 'artifacts', rel);
    for (const rel of [
      `run-${dead}/checkpoint-last/state.json`,
      `run-${dead}/checkpoint-last.pending-5/state.json`,
      `run-${dead}/checkpoints/step-4/state.json`,
      `run-${live}/checkpoint-last.pending-7/state.json`,
    ]) {
      fs.mkdirSync(path.dirname(a(rel)), { recursive: true });
      fs.writeFileSync(a(rel), 'x');
    }
    const removed = cleanProjectLeftovers(p.dir, p.db);
    p.db.close();
    expect(removed).toEqual([a(`run-${dead}/checkpoint-last.pending-5`)]);
    expect(fs.readdirSync(a(`run-${dead}`)).sort()).toEqual(['checkpoint-last', 'checkpoints']);
    expect(fs.readdirSync(a(`run-${live}`))).toEqual(['checkpoint-last.pending-7']);
  });
});
