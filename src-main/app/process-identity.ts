/**
 * Telling whether the process that wrote a lock file or started a run is still there. A pid alone is not enough:
 * after a reboot or a long uptime another program may hold it, so on Linux the process's start time is kept too.
 */
import fs from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (Linux), or null where the system does not tell. */
  started: string | null;
}

/** State letter and start time from /proc (Linux); null where there is no /proc entry. */
function procStat(pid: number): { state: string; started: string | null } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', started: fields[19] ?? null };
  } catch {
    return null;
  }
}

const startTime = (pid: number): string | null => procStat(pid)?.started ?? null;

/** The identity of a running process (of this one by default), as lock files and runs record it. */
export const processIdentity = (pid = process.pid): ProcessIdentity => ({ pid, started: startTime(pid) });

export const currentProcess = (): ProcessIdentity => processIdentity();

/** Whether that process still runs: the pid answers, and where both start times are known, they match. */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  if (owner.pid === process.pid) return owner.started === null || owner.started === startTime(process.pid);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  // A zombie has exited; only its parent has not collected it yet.
  if (stat?.state === 'Z' || stat?.state === 'X') return false;
  return owner.started === null || !stat?.started || stat.started === owner.started;
}
