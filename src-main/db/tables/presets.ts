import type { Database } from 'better-sqlite3';

export interface PresetRecord {
  id: number;
  name: string;
  config: Record<string, unknown>;
  createdAt: string;
}

interface PresetRow {
  id: number;
  name: string;
  config_json: string;
  created_at: string;
}

const toRecord = (r: PresetRow): PresetRecord => ({
  id: r.id,
  name: r.name,
  config: JSON.parse(r.config_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function listPresets(db: Database): PresetRecord[] {
  return (db.prepare('SELECT * FROM presets ORDER BY name COLLATE NOCASE').all() as PresetRow[]).map(
    toRecord,
  );
}

/** Saves under `name`, replacing a preset of the same name (the user chose to overwrite it). */
export function savePreset(db: Database, name: string, config: Record<string, unknown>): PresetRecord {
  db.prepare(
    `INSERT INTO presets (name, config_json, created_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET config_json = excluded.config_json, created_at = excluded.created_at`,
  ).run(name, JSON.stringify(config), new Date().toISOString());
  return toRecord(db.prepare('SELECT * FROM presets WHERE name = ?').get(name) as PresetRow);
}

export function deletePreset(db: Database, id: number): boolean {
  return db.prepare('DELETE FROM presets WHERE id = ?').run(id).changes > 0;
}
