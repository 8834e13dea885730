/** Process checks by pid for the reliability tests (Linux /proc): who are a process's children, is one alive. */
import fs from 'node:fs';

/** The state letter and parent pid of a process, or null when it is gone. */
function stat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** Alive = exists and is not a zombie (an exited child nobody has reaped yet is gone for our purposes). */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** The live direct children of a process. */
export function childPids(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => stat(p)?.ppid === pid && isAlive(p));
}

/** Polls until `check` holds or `ms` pass; returns whether it held (the caller asserts on that). */
export async function waitFor(check: () => boolean, ms = 30_000, every = 100): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return check();
}
