import type { Database } from 'better-sqlite3';

export interface ProjectRow {
  id: number;
  name: string;
  created_at: string;
}
export interface ProjectRecord {
  name: string;
  createdAt: string;
}

export const rowToProject = (r: ProjectRow): ProjectRecord => ({ name: r.name, createdAt: r.created_at });

export function getProject(db: Database): ProjectRecord | undefined {
  const row = db.prepare('SELECT id, name, created_at FROM projects WHERE id = 1').get() as
    | ProjectRow
    | undefined;
  return row && rowToProject(row);
}

export function initProject(db: Database, p: ProjectRecord): void {
  db.prepare('INSERT INTO projects (id, name, created_at) VALUES (1, ?, ?)').run(p.name, p.createdAt);
}
