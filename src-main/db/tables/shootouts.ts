/** The shootouts table (0170-shootouts) and its link to sweeps. */
import type { Database } from 'better-sqlite3';
import type { ShootoutConfig } from '../../../src-shared/shootout.ts';

export interface ShootoutRecord {
  id: number;
  name: string;
  config: ShootoutConfig;
  createdAt: string;
}

interface Row {
  id: number;
  name: string;
  config_json: string;
  created_at: string;
}

const toRecord = (r: Row): ShootoutRecord => ({
  id: r.id,
  name: r.name,
  config: JSON.parse(r.config_json) as ShootoutConfig,
  createdAt: r.created_at,
});

export function insertShootout(db: Database, s: Omit<ShootoutRecord, 'id'>): number {
  return Number(
    db
      .prepare('INSERT INTO shootouts (name, config_json, created_at) VALUES (?, ?, ?)')
      .run(s.name, JSON.stringify(s.config), s.createdAt).lastInsertRowid,
  );
}

export function getShootout(db: Database, id: number): ShootoutRecord | undefined {
  const row = db.prepare('SELECT * FROM shootouts WHERE id = ?').get(id) as Row | undefined;
  return row && toRecord(row);
}

export const listShootouts = (db: Database): ShootoutRecord[] =>
  (db.prepare('SELECT * FROM shootouts ORDER BY id DESC').all() as Row[]).map(toRecord);

export function linkSweep(db: Database, sweepId: number, shootoutId: number): void {
  db.prepare('UPDATE sweeps SET shootout_id = ? WHERE id = ?').run(shootoutId, sweepId);
}

/** A shoot-out's sweeps, in the order they run. */
export const shootoutSweepIds = (db: Database, id: number): number[] =>
  (db.prepare('SELECT id FROM sweeps WHERE shootout_id = ? ORDER BY id').all(id) as { id: number }[]).map(
    (r) => r.id,
  );
