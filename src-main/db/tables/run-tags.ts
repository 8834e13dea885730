import type { Database } from 'better-sqlite3';

export interface RunTagRow {
  run_id: number;
  tag: string;
}

/** A run's tags, in name order. */
export function tagsForRun(db: Database, runId: number): string[] {
  return (
    db.prepare('SELECT tag FROM run_tags WHERE run_id = ? ORDER BY tag').all(runId) as Pick<
      RunTagRow,
      'tag'
    >[]
  ).map((r) => r.tag);
}

/** Every run's tags at once (the runs list), by run id. */
export function tagsByRun(db: Database): Map<number, string[]> {
  const byRun = new Map<number, string[]>();
  for (const r of db.prepare('SELECT run_id, tag FROM run_tags ORDER BY tag').all() as RunTagRow[]) {
    const list = byRun.get(r.run_id) ?? [];
    list.push(r.tag);
    byRun.set(r.run_id, list);
  }
  return byRun;
}

/** Replaces a run's tags with `tags` in one transaction. */
export function setRunTags(db: Database, runId: number, tags: readonly string[]): void {
  const insert = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM run_tags WHERE run_id = ?').run(runId);
    for (const t of tags) insert.run(runId, t);
  })();
}
