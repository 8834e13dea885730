import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { UserError } from '../errors.ts';
import { migrate } from './migrate.ts';

/** Opens (creating if needed) a project database with the pragmas every connection needs, migrated to latest. */
export function openDatabase(file: string, opts: { readonly?: boolean; migrate?: boolean } = {}): Db {
  const db = new Database(file, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
    // Inside Electron the addon must be the one built for Electron's ABI (scripts/electron-native.mjs).
    ...(process.versions.electron && process.env.STUDIO_SQLITE_BINDING
      ? { nativeBinding: process.env.STUDIO_SQLITE_BINDING }
      : {}),
  });
  try {
    if (!opts.readonly) {
      // WAL lets the UI read runs and metrics while the trainer's records are being written.
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode and much faster than FULL for metric logging.
      db.pragma('synchronous = NORMAL');
    }
    // SQLite leaves foreign keys off by default; we rely on them for cascades and to refuse dangling runs.
    db.pragma('foreign_keys = ON');
    // A second process (CLI beside the app) may hold the write lock briefly; wait instead of failing.
    db.pragma('busy_timeout = 5000');
    if (opts.migrate !== false && !opts.readonly) migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw storageProblem(file, err) ?? err;
  }
}

/**
 * SQLite's errors of the disk, not of the database (a full disk makes creating the WAL or its index fail with
 * an I/O error): one line naming the file, for the user to act on.
 */
function storageProblem(file: string, err: unknown): UserError | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL')
    return new UserError(`${file}: no space left on the device (free some space and try again)`);
  if (code.startsWith('SQLITE_IOERR'))
    return new UserError(
      `${file}: the database cannot be opened: a disk I/O error (is the disk full? free some space and try again)`,
    );
  return null;
}
