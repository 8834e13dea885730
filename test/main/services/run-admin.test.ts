/**
 * Rename, notes, tags and delete through the handlers the run page calls (and the services `studio runs` uses):
 * what is stored, what a refusal says, and that delete takes the run's rows and folder and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentProcess } from '../../../src-main/app/process-identity.ts';
import { updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';
import { SEED_RUNS, seedRun } from '../../e2e/helpers/seed-runs.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-run-admin-');

async function projectWithRuns(name: string) {
  const project = await handlers['projects:create']({ name, parentDir: tmpDir });
  const db = ctx.projects.db(project.path);
  const a = seedRun(db, project.path, SEED_RUNS.lora);
  const b = seedRun(db, project.path, SEED_RUNS.bottleneck);
  return { project: project.path, db, a, b };
}

describe('run rename, notes and tags', () => {
  it('stores what the user writes and shows it in the list and the run', async () => {
    const { project, a, b } = await projectWithRuns('text');
    await handlers['runs:rename']({ project, runId: a, name: '  spam LoRA, first try ' });
    await handlers['runs:set-notes']({ project, runId: a, notes: 'lr too high?\nretry with 5e-4' });
    const { tags } = await handlers['runs:set-tags']({
      project,
      runId: a,
      tags: ['sweep', 'baseline', 'sweep'],
    });
    expect(tags).toEqual(['baseline', 'sweep']);
    const run = await handlers['runs:get']({ project, runId: a });
    expect(run).toMatchObject({ name: 'spam LoRA, first try', notes: 'lr too high?\nretry with 5e-4', tags });
    const list = await handlers['runs:list']({ project });
    expect(list.find((r) => r.id === a)?.tags).toEqual(['baseline', 'sweep']);
    expect(list.find((r) => r.id === b)?.tags).toEqual([]);
    // Replacing the tags removes the ones left out.
    await handlers['runs:set-tags']({ project, runId: a, tags: ['sweep'] });
    expect((await handlers['runs:get']({ project, runId: a })).tags).toEqual(['sweep']);
  });

  it('refuses an empty name, a tag with a comma and a run of another project, in words', async () => {
    const { project, a } = await projectWithRuns('refusals');
    await expect(handlers['runs:rename']({ project, runId: a, name: '   ' })).rejects.toThrow(
      /a run needs a name/,
    );
    await expect(handlers['runs:set-tags']({ project, runId: a, tags: ['a,b'] })).rejects.toThrow(
      /cannot contain a comma/,
    );
    await expect(handlers['runs:rename']({ project, runId: 999, name: 'x' })).rejects.toThrow(
      'run 999: no such run in this project',
    );
  });
});

describe('run delete', () => {
  it('removes the run’s rows and its artifacts folder, and leaves the other runs alone', async () => {
    const { project, db, a, b } = await projectWithRuns('delete');
    await handlers['runs:set-tags']({ project, runId: a, tags: ['gone'] });
    const folder = path.join(project, 'artifacts', `run-${a}`);
    expect(fs.existsSync(folder)).toBe(true);
    await handlers['runs:delete']({ project, runId: a });
    expect(fs.existsSync(folder)).toBe(false);
    expect((await handlers['runs:list']({ project })).map((r) => r.id)).toEqual([b]);
    for (const table of ['metrics', 'artifacts', 'run_tags'])
      expect(db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(a)).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM metrics WHERE run_id = ?').get(b)).not.toEqual({ n: 0 });
    expect(fs.existsSync(path.join(project, 'artifacts', `run-${b}`))).toBe(true);
  });

  it('refuses while the run trains (its process alive), and allows it once that process is gone', async () => {
    const { project, db, a } = await projectWithRuns('delete-live');
    const me = currentProcess();
    updateRunStatus(db, a, { status: 'running', ownerPid: me.pid, ownerStarted: me.started });
    await expect(handlers['runs:delete']({ project, runId: a })).rejects.toThrow(
      `run ${a} is running: cancel it before deleting it`,
    );
    expect((await handlers['runs:get']({ project, runId: a })).status).toBe('running');
    // A pid that cannot be alive: the run is an orphan, recorded interrupted, and may be deleted.
    updateRunStatus(db, a, { ownerPid: 2 ** 22 + 12345, ownerStarted: 'never' });
    await handlers['runs:delete']({ project, runId: a });
    await expect(handlers['runs:get']({ project, runId: a })).rejects.toThrow(/no such run/);
  });
});
