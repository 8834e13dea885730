/**
 * Disk full on a real (small) file system: a project on a tmpfs of a few megabytes, filled up while `studio train`
 * runs — once where the checkpoints go (artifacts/ on a tmpfs of its own), once where the database is (the metric
 * writes) — then during `studio export` and `studio import` (of a bundle made without training). Each must end with one line and a non-zero exit, leave
 * the run failed or interrupted (never `running`), leave no half-written folder and an intact database; once space
 * is freed, resume continues from the last good checkpoint at once and an import goes through.
 *
 * Mounting needs root: elsewhere the suite skips and says why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/db/open.ts';
import { initProject } from '../../src-main/db/tables/project.ts';
import { makeLoraBundle } from '../helpers/bundle-fixtures.ts';
import { spawnStudio, writeTrainConfig } from '../helpers/kill-targets.ts';
import type { CliProcess } from '../helpers/kill-targets.ts';
import { isAlive, waitFor } from '../helpers/processes.ts';
import { fillDisk, mount, readDb, unmount, whyNoMount, writeLeftovers } from '../helpers/small-disk.ts';
import { tempDir } from '../helpers/temp.ts';

const noMount = whyNoMount();
if (noMount) console.warn(`disk-full tests skipped: ${noMount}`);
const tmp = tempDir('studio-diskfull-');
const mounted: string[] = [];
const started: CliProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.child.pid && isAlive(p.child.pid)) p.child.kill('SIGKILL');
  for (const dir of mounted.reverse()) unmount(dir);
  tmp.cleanup();
});

function mountAt(dir: string, size: string): string {
  const problem = mount(dir, size);
  expect(problem, `mount ${dir}`).toBeNull();
  mounted.push(dir);
  return dir;
}

/** A project folder whose artifacts/ is a tmpfs of its own (mounted before the database exists). */
function projectOn(disk: string, artifactsSize: string): { project: string; artifacts: string } {
  const project = path.join(disk, 'project');
  const artifacts = mountAt(path.join(project, 'artifacts'), artifactsSize);
  const db = openDatabase(path.join(project, 'studio.db'));
  initProject(db, { name: 'disk full', createdAt: new Date().toISOString() });
  db.close();
  return { project, artifacts };
}

const home = path.join(tmp.dir, 'home');
function studio(args: string[]): CliProcess {
  const p = spawnStudio(home, args);
  started.push(p);
  return p;
}

/** What a user sees on a failure: the CLI's output holds one line of explanation and never a stack or tf.js source. */
function expectOneLine(out: string) {
  expect(out).not.toMatch(/^\s+at /m);
  expect(out).not.toMatch(/internal error/);
  // Minified tf.js in a message: very long lines of code.
  for (const line of out.split('\n')) expect(line.length, line.slice(0, 200)).toBeLessThan(400);
}

const runRow = (project: string) =>
  readDb(
    project,
    (db) =>
      db.prepare('SELECT id, status, step, message FROM runs ORDER BY id DESC LIMIT 1').get() as
        | { id: number; status: string; step: number; message: string | null }
        | undefined,
  );
const lastCheckpointStep = (project: string, runId: number) =>
  readDb(project, (db) => {
    const r = db
      .prepare(
        `SELECT meta_json AS meta FROM artifacts WHERE run_id = ? AND kind = 'checkpoint-last' ORDER BY id DESC LIMIT 1`,
      )
      .get(runId) as { meta: string } | undefined;
    return r ? (JSON.parse(r.meta) as { step: number }).step : null;
  });
const integrity = (project: string) =>
  readDb(project, (db) => db.pragma('integrity_check', { simple: true }) as string);

/** Starts `studio train`, fills the file system of `fill` once a checkpoint is recorded, and waits for the end. */
async function trainUntilFull(project: string, fill: string) {
  const train = studio(['train', '--config', writeTrainConfig(tmp.dir, project, 60)]);
  const stepped = await waitFor(
    () => train.child.exitCode !== null || (lastCheckpointStep(project, 1) ?? 0) > 0,
    240_000,
    50,
  );
  expect(train.child.exitCode, train.stderr()).toBeNull();
  expect(stepped, train.stderr()).toBe(true);
  const filler = fillDisk(fill);
  const code = await train.exited;
  return { code, filler, out: `${train.stdout()}\n${train.stderr()}` };
}

/** After freeing space: `studio resume` starts at once and continues from the last checkpoint, to the end. */
async function resumeAfterFreeing(project: string, filler: string, runId: number) {
  fs.rmSync(filler);
  const from = lastCheckpointStep(project, runId);
  expect(from).toBeGreaterThan(0);
  const resume = studio(['resume', '--project', project, '--run', String(runId)]);
  const code = await resume.exited;
  expect(code, `${resume.stdout()}\n${resume.stderr()}`).toBe(0);
  // Not refused (the old 60-second staleness wait), and not from step 0: from the newest complete checkpoint in the
  // run folder, the one the database recorded or a later one whose record the full disk refused.
  const resumed = Number(/resuming from step (\d+)/.exec(resume.stderr())?.[1]);
  expect(resumed, resume.stderr()).toBeGreaterThanOrEqual(from as number);
  expect(runRow(project)?.status).toBe('completed');
  expect(integrity(project)).toBe('ok');
}

describe.skipIf(noMount !== null)('disk full on a small tmpfs', { timeout: 900_000 }, () => {
  it('while training writes a checkpoint: one line, run not left running, nothing half-written, resume from the last one', async () => {
    const { project, artifacts } = projectOn(mountAt(path.join(tmp.dir, 'disk-a'), '16m'), '2m');
    const { code, filler, out } = await trainUntilFull(project, artifacts);
    expect(code).not.toBe(0);
    expectOneLine(out);
    const run = runRow(project);
    expect(['failed', 'interrupted']).toContain(run?.status);
    expect(run?.message).toMatch(/no space left/);
    expect(run?.message).not.toContain('\n');
    expect(writeLeftovers(artifacts)).toEqual([]);
    expect(integrity(project)).toBe('ok');
    await resumeAfterFreeing(project, filler, run?.id ?? 0);
    expect(writeLeftovers(artifacts)).toEqual([]);

    // Export of the completed run onto a full disk: one line, nothing left where it was going.
    const out2 = mountAt(path.join(tmp.dir, 'disk-out'), '1m');
    const outFiller = fillDisk(out2);
    for (const [format, target] of [
      ['bundle', path.join(out2, 'run.zip')],
      ['peft', path.join(out2, 'peft')],
    ] as const) {
      const exp = studio(['export', '--project', project, '--run', '1', '--format', format, '--out', target]);
      expect(await exp.exited, `${format}: ${exp.stderr()}`).not.toBe(0);
      expect(exp.stderr().trim().split('\n'), format).toHaveLength(1);
      expect(exp.stderr()).toMatch(/no space left/);
      expect(fs.readdirSync(out2), format).toEqual(['filler.bin']);
    }
    fs.rmSync(outFiller);
    const ok = studio([
      'export',
      '--project',
      project,
      '--run',
      '1',
      '--format',
      'bundle',
      '--out',
      path.join(out2, 'run.zip'),
    ]);
    expect(await ok.exited, ok.stderr()).toBe(0);
  });

  it('while training writes metrics to the database: one line, run not left running, resume from the last checkpoint', async () => {
    // Room for SQLite's write-ahead log, which grows to 4 MB (1000 pages) before it is checkpointed.
    const disk = mountAt(path.join(tmp.dir, 'disk-db'), '16m');
    const { project, artifacts } = projectOn(disk, '8m');
    const { code, filler, out } = await trainUntilFull(project, disk);
    expect(code).not.toBe(0);
    expectOneLine(out);
    expect(out).toMatch(/no space left|disk is full/);
    // The run row may not have been writable on the full disk: what counts is that it is not `running` once
    // the project is opened again (its supervisor is gone), which resume does before anything else.
    expect(writeLeftovers(artifacts)).toEqual([]);
    expect(integrity(project)).toBe('ok');
    const run = runRow(project);
    await resumeAfterFreeing(project, filler, run?.id ?? 0);
  });

  it('while a bundle is imported: one line, no run folder or staging folder left, then the import works', async () => {
    const bundle = await makeLoraBundle(tmp.dir);
    const { project, artifacts } = projectOn(mountAt(path.join(tmp.dir, 'disk-import'), '16m'), '1m');
    const runs = () => readDb(project, (db) => db.prepare('SELECT count(*) AS n FROM runs').get());
    const first = studio(['import', '--project', project, bundle]);
    expect(await first.exited, first.stderr()).toBe(0);
    const before = fs.readdirSync(artifacts).sort();

    // Where the adapter is extracted is full (the old behaviour: artifacts/run-N left, every later import refused).
    const filler = fillDisk(artifacts);
    const full = studio(['import', '--project', project, bundle]);
    expect(await full.exited).not.toBe(0);
    expect(full.stderr().trim().split('\n'), full.stderr()).toHaveLength(1);
    expect(full.stderr()).toMatch(/no space left/);
    expect(fs.readdirSync(artifacts).sort()).toEqual([...before, 'filler.bin'].sort());
    expect(writeLeftovers(artifacts)).toEqual([]);
    expect(runs()).toEqual({ n: 1 });
    expect(integrity(project)).toBe('ok');
    fs.rmSync(filler);

    // The whole disk full (the database's too): opening or writing it fails, still in one line.
    const diskFiller = fillDisk(path.dirname(project));
    const noDb = studio(['import', '--project', project, bundle]);
    expect(await noDb.exited).not.toBe(0);
    expect(noDb.stderr().trim().split('\n'), noDb.stderr()).toHaveLength(1);
    expect(noDb.stderr()).toMatch(/disk is full|no space left|disk I\/O error/);
    expect(fs.readdirSync(artifacts).sort()).toEqual(before);
    fs.rmSync(diskFiller);

    const again = studio(['import', '--project', project, bundle]);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(runs()).toEqual({ n: 2 });
    expect(writeLeftovers(artifacts)).toEqual([]);
  });
});
