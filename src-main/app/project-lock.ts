/**
 * One studio window (Electron or web mode) per project: a lock file in the project folder names the process that
 * has it open. A lock left by a process that is gone (kill -9, power cut) is taken over; a live one is refused with
 * one line naming the file. Within one process the lock is shared and counted (several services may open it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { currentProcess, isProcessAlive } from './process-identity.ts';
import type { ProcessIdentity } from './process-identity.ts';

export const PROJECT_LOCK_FILE = 'studio.lock';

const held = new Map<string, number>();

function readHolder(file: string): ProcessIdentity | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ProcessIdentity>;
    return typeof v.pid === 'number' ? { pid: v.pid, started: v.started ?? null } : null;
  } catch {
    // Unreadable or half-written (its writer died mid-write): nobody can be said to hold it.
    return null;
  }
}

/** Takes the project's lock for this process; returns the function that releases it. */
export function acquireProjectLock(projectDir: string): () => void {
  const file = path.join(path.resolve(projectDir), PROJECT_LOCK_FILE);
  const me = currentProcess();
  const count = held.get(file) ?? 0;
  if (count === 0) {
    for (let attempt = 0; ; attempt++) {
      try {
        // 'wx': created only if absent, so two processes starting together cannot both get it.
        fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      }
      const holder = readHolder(file);
      if (holder && holder.pid !== me.pid && isProcessAlive(holder)) {
        throw new UserError(
          `${file}: this project is open in another Adapter Studio (pid ${holder.pid}); close it there first`,
        );
      }
      // A stale lock (its process is gone) or our own from a previous life: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  held.set(file, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(file) ?? 1) - 1;
    if (left > 0) return void held.set(file, left);
    held.delete(file);
    if (readHolder(file)?.pid === me.pid) fs.rmSync(file, { force: true });
  };
}
