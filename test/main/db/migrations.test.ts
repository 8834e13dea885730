import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SchemaFromFutureError, migrate, schemaVersion } from '../../../src-main/db/migrate.ts';
import { UserError, describeUserFacing } from '../../../src-main/errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/db/migrations/index.ts';
import { openDatabase } from '../../../src-main/db/open.ts';

const dirs: string[] = [];
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-db-'));
  dirs.push(dir);
  return path.join(dir, 'studio.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Rows to insert at each version, so each step N-10 -> N is tested with data present. */
const seed: Record<number, (db: Database.Database) => void> = {
  10: (db) => db.prepare(`INSERT INTO projects VALUES (1, 'p', '2026-01-01')`).run(),
  20: (db) =>
    db
      .prepare(
        `INSERT INTO datasets (name, source, kind, content_hash, columns_json, labels_json, stats_json, splits_json, created_at)
         VALUES ('d', 'sample:spam-assassin', 'classification', 'h', '{}', '[]', '{}', '{}', 'now')`,
      )
      .run(),
  30: (db) =>
    db
      .prepare(
        `INSERT INTO base_models (path, architecture, content_hash, param_count, info_json, created_at)
         VALUES ('/m', 'bert', 'h', 10, '{}', 'now')`,
      )
      .run(),
  40: (db) =>
    db
      .prepare(
        `INSERT INTO runs (name, dataset_id, base_model_id, method, config_json, status, created_at)
         VALUES ('r', 1, 1, 'lora', '{}', 'running', 'now')`,
      )
      .run(),
  50: (db) => db.prepare(`INSERT INTO metrics VALUES (1, 'train', 'loss', 1, 0.5)`).run(),
  60: (db) =>
    db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at) VALUES (1, 'adapter', 'a', 's', 1, 'now')`,
      )
      .run(),
  70: (db) =>
    db.prepare(`INSERT INTO presets (name, config_json, created_at) VALUES ('quick', '{}', 'now')`).run(),
  80: (db) => db.prepare(`UPDATE runs SET owner_pid = 1, owner_started = '1' WHERE id = 1`).run(),
  90: (db) => {
    // The run written at version 40 keeps its row and gains an empty warning.
    expect(db.prepare('SELECT name, warning FROM runs WHERE id = 1').get()).toEqual({
      name: 'r',
      warning: null,
    });
    db.prepare(`UPDATE runs SET warning = 'loss rose' WHERE id = 1`).run();
  },
  110: (db) => {
    // The run keeps its row and gains empty notes; a tag goes with its run.
    expect(db.prepare('SELECT name, warning, notes FROM runs WHERE id = 1').get()).toEqual({
      name: 'r',
      warning: 'loss rose',
      notes: '',
    });
    db.prepare(`INSERT INTO run_tags VALUES (1, 'baseline')`).run();
    expect(() => db.prepare(`INSERT INTO run_tags VALUES (1, 'baseline')`).run()).toThrow(/UNIQUE/);
    expect(() => db.prepare(`INSERT INTO run_tags VALUES (99, 'x')`).run()).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM artifacts WHERE run_id = 1').run();
    db.prepare('DELETE FROM metrics WHERE run_id = 1').run();
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM run_tags').get()).toEqual({ n: 0 });
    db.prepare(
      `INSERT INTO runs (id, name, dataset_id, base_model_id, method, config_json, status, created_at)
       VALUES (1, 'r', 1, 1, 'lora', '{}', 'completed', 'now')`,
    ).run();
  },
  160: (db) => {
    // A sweep's trials go with it; a trial's run must exist, and leaves the trial when it is deleted.
    db.prepare(
      `INSERT INTO sweeps (id, name, config_json, status, created_at) VALUES (1, 's', '{}', 'running', 'now')`,
    ).run();
    db.prepare(
      `INSERT INTO sweep_trials (sweep_id, idx, params_json, state) VALUES (1, 0, '{}', 'pending')`,
    ).run();
    expect(() =>
      db
        .prepare(
          `INSERT INTO sweep_trials (sweep_id, idx, params_json, run_id, state) VALUES (1, 1, '{}', 99, 'pending')`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`UPDATE sweeps SET status = 'odd' WHERE id = 1`).run()).toThrow(/CHECK/);
    db.prepare('DELETE FROM sweeps WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM sweep_trials').get()).toEqual({ n: 0 });
    db.prepare(
      `INSERT INTO sweeps (id, name, config_json, status, created_at) VALUES (2, 's', '{}', 'completed', 'now')`,
    ).run();
  },
  170: (db) => {
    // A sweep from before keeps its row, in no shoot-out; a shoot-out's sweeps go with it.
    expect(db.prepare('SELECT name, shootout_id FROM sweeps WHERE id = 2').get()).toEqual({
      name: 's',
      shootout_id: null,
    });
    db.prepare(
      `INSERT INTO shootouts (id, name, config_json, created_at) VALUES (1, 'o', '{}', 'now')`,
    ).run();
    db.prepare('UPDATE sweeps SET shootout_id = 1 WHERE id = 2').run();
    expect(() => db.prepare('UPDATE sweeps SET shootout_id = 9 WHERE id = 2').run()).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM shootouts WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM sweeps').get()).toEqual({ n: 0 });
  },
  180: (db) => {
    // A report per run and reference content; scoring the same reference again is a conflict the table names.
    const insert = db.prepare(`INSERT INTO forgetting VALUES (1, 'sample:moby-dick', 'h', '{}', 'now')`);
    insert.run();
    expect(() => insert.run()).toThrow(/UNIQUE/);
    expect(() => db.prepare(`INSERT INTO forgetting VALUES (99, 'x', 'h', '{}', 'now')`).run()).toThrow(
      /FOREIGN KEY/,
    );
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM forgetting').get()).toEqual({ n: 0 });
  },
  310: (db) => {
    // A fusion belongs to one continual run; the link goes with either of its runs.
    const run = db.prepare(
      `INSERT INTO runs (name, method, config_json, status, created_at) VALUES ('r', 'bottleneck', '{}', 'completed', 'now')`,
    );
    const [continual, fusion, other] = [1, 2, 3].map(() => Number(run.run().lastInsertRowid));
    const link = db.prepare(`INSERT INTO continual_fusions VALUES (?, ?, 'spam')`);
    link.run(fusion, continual);
    expect(() => link.run(fusion, continual)).toThrow(/UNIQUE/);
    expect(() => link.run(other, 999)).toThrow(/FOREIGN KEY/);
    link.run(other, continual);
    db.prepare('DELETE FROM runs WHERE id = ?').run(fusion);
    expect(db.prepare('SELECT fusion_run_id AS id FROM continual_fusions').all()).toEqual([{ id: other }]);
    db.prepare('DELETE FROM runs WHERE id = ?').run(continual);
    expect(db.prepare('SELECT count(*) AS n FROM continual_fusions').get()).toEqual({ n: 0 });
  },
};

describe('migrations', () => {
  // Numbers are multiples of 10, strictly increasing; parallel work takes ranges of its own, so gaps are allowed.
  // A database at version N never runs a migration numbered below N: merged work renumbers above the latest.
  it('are numbered in multiples of 10, strictly increasing', () => {
    MIGRATIONS.forEach((m, i) => {
      expect(m.version % 10).toBe(0);
      expect(m.version).toBeGreaterThan(MIGRATIONS[i - 1]?.version ?? 0);
    });
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)?.version);
  });

  MIGRATIONS.forEach((m, i) => {
    const previous = MIGRATIONS[i - 1]?.version ?? 0;
    it(`${previous} -> ${m.version} (${m.name}) keeps earlier data`, () => {
      const file = tempDb();
      const db = new Database(file);
      db.pragma('foreign_keys = ON');
      migrate(db, previous);
      for (const earlier of MIGRATIONS) if (earlier.version < m.version) seed[earlier.version]?.(db);
      const before = MIGRATIONS.filter((x) => x.version < m.version).length;
      migrate(db, m.version);
      expect(schemaVersion(db)).toBe(m.version);
      seed[m.version]?.(db);
      if (before >= 1) expect(db.prepare('SELECT name FROM projects').get()).toEqual({ name: 'p' });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    });
  });

  it('creates STRICT tables that refuse a wrongly typed value', () => {
    const db = openDatabase(tempDb());
    const insert = `INSERT INTO base_models (path, architecture, content_hash, param_count, info_json, created_at)
                    VALUES ('/m', 'bert', 'h', 'many', '{}', 'now')`;
    expect(() => db.prepare(insert).run()).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });

  it('enforces foreign keys and runs in WAL mode', () => {
    const db = openDatabase(tempDb());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => db.prepare(`INSERT INTO metrics VALUES (99, 'train', 'loss', 1, 0.5)`).run()).toThrow(
      /FOREIGN KEY/,
    );
    db.close();
  });

  it('refuses a database from the future and leaves it untouched', () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 10}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(SchemaFromFutureError);
    // The one user-error type (issue #13): the CLI and the UI show it as one line, not a stack trace.
    expect(() => openDatabase(file)).toThrow(UserError);
    expect(
      describeUserFacing(new SchemaFromFutureError(LATEST_SCHEMA_VERSION + 10, LATEST_SCHEMA_VERSION)),
    ).toMatch(/newer than this Adapter Studio knows .*update the app/);
    const again = new Database(file);
    expect(again.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 10);
    again.close();
  });

  it('rolls a failing migration back as a whole', () => {
    const db = new Database(tempDb());
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      {
        version: 20,
        name: 'broken',
        up: (d: Database.Database) => d.exec('CREATE TABLE t (x INTEGER) STRICT; SELECT * FROM nope;'),
      },
    ];
    expect(() => migrate(db, undefined, broken)).toThrow(/no such table/);
    expect(schemaVersion(db)).toBe(10);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 't'`).get()).toBeUndefined();
    db.close();
  });
});
