/**
 * What a crash can leave in a project's artifacts/ folder, and how it is put right: half-written folders
 * (`*.tmp-PID`), folders set aside during a replace (`*.old-PID`), pending resume points that no live supervisor will
 * promote (`*.pending-S`) and run folders without a run row (an import or a run creation that died before its row was
 * committed). Leftovers of a process that is still alive are kept.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { ARTIFACTS_DIR } from '../app/paths.ts';
import { isProcessAlive } from '../app/process-identity.ts';
import { runDirs } from '../training/run-dirs.ts';

/** `<name>.tmp-PID` or `<name>.old-PID`, optionally followed by `-<random>`. */
const LEFTOVER = /^(.*)\.(tmp|old)-(\d+)(?:-[0-9a-f]+)?$/;
const RUN_DIR = /^run-(\d+)$/;
/** A resume point the training process wrote for its supervisor to move into place (checkpoint.ts). */
const PENDING = /\.pending-\d+$/;
/** A file inside a run folder saying which process is still committing it. */
const OWNER_PREFIX = '.owner-';

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A new, empty folder under artifacts/ for work that is renamed into place once complete; it carries an owner mark
 * so that another process opening the project does not take it for a leftover while this one is alive.
 */
export function stagingDir(projectDir: string, kind: string): string {
  const dir = path.join(
    projectDir,
    ARTIFACTS_DIR,
    `.${kind}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
  );
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${OWNER_PREFIX}${process.pid}`), '');
  return dir;
}

/** Drops the owner mark of a folder renamed into place, once its row is committed. */
export function releaseOwnership(dir: string): void {
  fs.rmSync(path.join(dir, `${OWNER_PREFIX}${process.pid}`), { force: true });
}

/** Removes the folder of run `runId` when it exists: called right after the run's row is created. */
export function removeStaleRunDir(projectDir: string, runId: number): void {
  fs.rmSync(path.join(projectDir, runDirs(runId).root), { recursive: true, force: true });
}

const ownedByLiveProcess = (dir: string): boolean => {
  try {
    return fs
      .readdirSync(dir)
      .some((f) => f.startsWith(OWNER_PREFIX) && alive(Number(f.slice(OWNER_PREFIX.length))));
  } catch {
    return false;
  }
};

/** Puts one folder's leftovers right: restores a set-aside folder whose replacement never arrived, else drops it. */
function cleanLeftovers(dir: string, removed: string[], depth: number): void {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of names) {
    const full = path.join(dir, e.name);
    const m = LEFTOVER.exec(e.name);
    if (m && !alive(Number(m[3]))) {
      const original = path.join(dir, m[1] as string);
      if (m[2] === 'old' && !fs.existsSync(original)) fs.renameSync(full, original);
      else fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } else if (!m && e.isDirectory() && depth > 0) cleanLeftovers(full, removed, depth - 1);
  }
}

interface RunOwner {
  id: number;
  status: string;
  owner_pid: number | null;
  owner_started: string | null;
}

/** Whether a live process may still promote the run's pending checkpoints: it is running or paused under it. */
const supervised = (r: RunOwner): boolean =>
  (r.status === 'running' || r.status === 'paused') &&
  (r.owner_pid === null || isProcessAlive({ pid: r.owner_pid, started: r.owner_started }));

/**
 * Removes the pending resume points (named by step, not by pid) of a run that no live process supervises: they
 * are newer than the run's metric rows, so never a resume point, and the run's next trainer would drop them anyway.
 * They sit beside the run's checkpoints, or in its checkpoints/ folder.
 */
function dropUnpromotedPending(runDir: string, removed: string[]): void {
  for (const dir of [runDir, path.join(runDir, 'checkpoints')]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => PENDING.test(n))) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      removed.push(path.join(dir, name));
    }
  }
}

/**
 * Cleans the project's artifacts/ folder when the project is opened; returns what was removed or restored.
 * A run folder whose run has no row is removed unless a live process is still committing it.
 */
export function cleanProjectLeftovers(projectDir: string, db: Database): string[] {
  const artifacts = path.join(projectDir, ARTIFACTS_DIR);
  if (!fs.existsSync(artifacts)) return [];
  const removed: string[] = [];
  cleanLeftovers(artifacts, removed, 2);
  const runs = new Map(
    (db.prepare('SELECT id, status, owner_pid, owner_started FROM runs').all() as RunOwner[]).map((r) => [
      r.id,
      r,
    ]),
  );
  for (const name of fs.readdirSync(artifacts)) {
    const m = RUN_DIR.exec(name);
    const full = path.join(artifacts, name);
    if (!m) continue;
    const run = runs.get(Number(m[1]));
    if (!run && !ownedByLiveProcess(full)) {
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } else if (run && !supervised(run)) dropUnpromotedPending(full, removed);
  }
  return removed;
}
