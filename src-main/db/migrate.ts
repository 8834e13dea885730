import type { Database } from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/types.ts';
import { UserError } from '../errors.ts';

/**
 * Thrown when a project was written by a newer Adapter Studio than this one: the user's to fix (update the app), so
 * a UserError, shown as one line rather than a stack trace.
 */
export class SchemaFromFutureError extends UserError {
  override name = 'SchemaFromFutureError';

  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `project database has schema version ${found}, newer than this Adapter Studio knows (${known}); update the app`,
    );
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `target` (default: the latest), each migration in its own transaction so a failure
 * leaves the previous version intact. Refuses a database from the future.
 */
export function migrate(
  db: Database,
  target?: number,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  const goal = target ?? known;
  const from = schemaVersion(db);
  if (from > known) throw new SchemaFromFutureError(from, known);
  for (const m of migrations) {
    if (m.version <= from || m.version > goal) continue;
    db.transaction(() => {
      m.up(db);
      // user_version cannot be bound as a parameter; the value is our own integer constant.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    })();
  }
  return { from, to: schemaVersion(db) };
}
