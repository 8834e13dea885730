/**
 * Sees a project's database change — whoever wrote it — and pushes the same events a window gets from its own
 * runs. A run trained by `studio train` in a terminal writes only rows, so without this an open studio would
 * have to poll for them.
 *
 * Cheap when nothing changes: the watcher sleeps on fs.watch of the database and its WAL (no timer); a burst of
 * writes is looked at once after DEBOUNCE_MS, and `PRAGMA data_version` (a counter, no table read) tells whether
 * anything was committed since the last look before any query runs. It reads through a connection of its own,
 * so the version moves for this process's commits as well as another process's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { RunView } from '../../src-shared/domain.ts';
import { PROJECT_DB_FILE } from '../app/paths.ts';
import { openDatabase } from '../db/open.ts';
import type { EventBus } from './event-bus.ts';
import { runView } from './runs.ts';

/** How long a burst of writes (a metric flush, a step) is gathered before one look. */
export const DEBOUNCE_MS = 150;

const LIVE: ReadonlySet<string> = new Set(['queued', 'running', 'paused']);

/** The columns of a run that the UI shows (the heartbeat alone changes nothing on screen). */
const RUN_SIGNATURE = `SELECT id, status || '|' || step || '|' || ifnull(total_steps, '') || '|' ||
  ifnull(trainable_params, '') || '|' || ifnull(message, '') || '|' || ifnull(warning, '') || '|' ||
  ifnull(started_at, '') || '|' || ifnull(finished_at, '') || '|' || name AS sig FROM runs`;

/**
 * Watches one project's database and emits `run:status`, `run:metrics`, `run:log` and `run:deleted` for what
 * changed.
 */
export class ProjectDbWatcher {
  readonly #dir: string;
  readonly #events: EventBus;
  readonly #db: Database;
  readonly #watcher: fs.FSWatcher;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #version: number;
  /** Per run: its signature (RUN_SIGNATURE) at the last look. */
  #runs = new Map<number, string>();
  /** Per run: `count|last step` of its metric points at the last look. */
  readonly #metrics = new Map<number, string>();
  /** Runs that changed at the last look: their final metric flush may land just after their status. */
  #recent = new Set<number>();
  #reads = 0;

  constructor(dir: string, events: EventBus) {
    this.#dir = path.resolve(dir);
    this.#events = events;
    this.#db = openDatabase(path.join(this.#dir, PROJECT_DB_FILE), { readonly: true });
    this.#version = this.#dataVersion();
    this.#runs = this.#signatures();
    for (const [id, sig] of this.#runs) if (LIVE.has(sig.split('|')[0] ?? '')) this.#metricsChanged(id);
    // The folder, not the files: the WAL is created and removed as connections come and go.
    this.#watcher = fs.watch(this.#dir, { persistent: false }, (_event, name) => {
      if (name === null || String(name).startsWith(PROJECT_DB_FILE)) this.#schedule();
    });
    // The folder was removed or became unreadable: nothing more to watch.
    this.#watcher.on('error', () => this.close());
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.check();
    }, DEBOUNCE_MS);
  }

  #dataVersion = (): number => this.#db.pragma('data_version', { simple: true }) as number;

  #signatures(): Map<number, string> {
    this.#reads++;
    const rows = this.#db.prepare(RUN_SIGNATURE).all() as { id: number; sig: string }[];
    return new Map(rows.map((r) => [r.id, r.sig]));
  }

  /** Whether a run's metric points changed since the last look (and remembers them). */
  #metricsChanged(runId: number): boolean {
    const row = this.#db
      .prepare('SELECT count(*) AS n, ifnull(max(step), -1) AS last FROM metrics WHERE run_id = ?')
      .get(runId) as { n: number; last: number };
    const now = `${row.n}|${row.last}`;
    const changed = this.#metrics.get(runId) !== now;
    this.#metrics.set(runId, now);
    return changed;
  }

  /** Looks at the database now: emits events for what changed since the last look. Called on fs events. */
  check(): void {
    if (!this.#db.open) return;
    try {
      const version = this.#dataVersion();
      if (version === this.#version) return;
      this.#version = version;
      const runs = this.#signatures();
      const changed = [...runs].filter(([id, sig]) => this.#runs.get(id) !== sig).map(([id]) => id);
      const followed = new Set([
        ...changed,
        ...this.#recent,
        ...[...runs].filter(([, sig]) => LIVE.has(sig.split('|')[0] ?? '')).map(([id]) => id),
      ]);
      const withPoints = [...followed].filter((id) => runs.has(id) && this.#metricsChanged(id));
      const deleted = [...this.#runs.keys()].filter((id) => !runs.has(id));
      for (const id of this.#metrics.keys()) if (!runs.has(id)) this.#metrics.delete(id);
      this.#runs = runs;
      this.#recent = new Set(changed);
      const projectPath = this.#dir;
      for (const runId of deleted) this.#events.emit('run:deleted', { projectPath, runId });
      for (const id of changed) {
        let run: RunView;
        try {
          run = runView(this.#db, id);
        } catch {
          continue; // deleted between the two reads
        }
        this.#events.emit('run:status', { projectPath, run });
      }
      for (const id of withPoints) {
        const last = Number(this.#metrics.get(id)?.split('|')[1] ?? -1);
        this.#events.emit('run:metrics', { projectPath, runId: id, lastStep: last });
      }
      // Log lines are written with the messages that move a run or store its points.
      for (const id of new Set([...changed, ...withPoints]))
        this.#events.emit('run:log', { projectPath, runId: id });
    } catch (err) {
      // A busy or vanished database: the next write looks again; a bug is logged, never thrown into fs.watch.
      console.error(`[studio] watching ${this.#dir}:`, (err as Error).message);
    }
  }

  /** How many looks read the tables: a look at an unchanged database reads none (the tests check it). */
  get reads(): number {
    return this.#reads;
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#watcher.close();
    if (this.#db.open) this.#db.close();
  }
}
