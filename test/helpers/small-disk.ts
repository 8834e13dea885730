/**
 * Small real file systems for the disk-full tests: a tmpfs of a few megabytes mounted on a folder, filled up with a
 * file on demand and freed again. Mounting needs root (or CAP_SYS_ADMIN); where it is refused the tests skip and
 * say why.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Why a tmpfs cannot be mounted here, or null when it can (tried once, on a throwaway folder). */
export function whyNoMount(): string | null {
  if (process.platform !== 'linux') return `mounting a tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (the tests run as an ordinary user)';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-mount-probe-'));
  try {
    const r = mount(probe, '1m');
    if (r) return `mount -t tmpfs was refused: ${r}`;
    unmount(probe);
    return null;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `size` (e.g. '4m') on `dir`; returns the error text, or null when mounted. */
export function mount(dir: string, size: string): string | null {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr || r.error?.message || `exit ${r.status}`).trim();
}

export function unmount(dir: string): void {
  // Lazy: a process of a failed test may still hold a file there.
  spawnSync('umount', ['-l', dir]);
}

/** Fills the file system that holds `dir` with one file until a write fails with ENOSPC; returns its path. */
export function fillDisk(dir: string): string {
  const file = path.join(dir, 'filler.bin');
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // Then byte-sized tails, so not even a small write fits.
  try {
    for (;;) fs.writeSync(fd, chunk.subarray(0, 512));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Runs `fn` on the project's database read-only (nothing is written, so it works on a full disk). */
export function readDb<T>(project: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(project, 'studio.db'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Every leftover of an interrupted write under `dir`: `*.tmp-PID` (staging folders too), `*.old-PID`, `*.pending-STEP`. */
export function writeLeftovers(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((p) => /\.(tmp|old)-\d+(-[0-9a-f]+)?$|\.pending(-\d+)?$/.test(path.basename(p)));
}
