/**
 * The retention matrix as metric points and back. A continual run stores row i of the matrix (after stage i) as
 * points at step i, so the CLI, the training process and the Continual page share one record in the metrics table.
 */
import type { MetricPoint } from '../db/tables/metrics.ts';

export interface RetentionMatrix {
  tasks: string[];
  metric: string;
  /** matrix[i][j]: the metric of task j after stage i; null before task j is learned (j > i). */
  matrix: (number | null)[][];
  /** change[i][j]: largest |logit| change on task j's validation set since the end of stage j. */
  change: (number | null)[][];
}

const RETENTION = 'retention/';
const CHANGE = 'retention-change/';

/** Points for row `stage` of the matrix (null cells are not stored). */
export function retentionPoints(
  tasks: readonly string[],
  metric: string,
  stage: number,
  row: readonly (number | null)[],
  change: readonly (number | null)[],
): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const [j, task] of tasks.entries()) {
    const v = row[j];
    const c = change[j];
    if (v !== null && v !== undefined)
      points.push({ split: 'test', name: `${RETENTION}${metric}/${task}`, step: stage, value: v });
    if (c !== null && c !== undefined)
      points.push({ split: 'test', name: `${CHANGE}${task}`, step: stage, value: c });
  }
  return points;
}

/** Rebuilds the matrix from a run's points; rows exist for the stages finished so far. */
export function retentionFromPoints(
  tasks: readonly string[],
  points: readonly { name: string; step: number; value: number }[],
): RetentionMatrix {
  let metric = 'accuracy';
  const index = new Map(tasks.map((t, j) => [t, j]));
  const cells = new Map<string, number>();
  let stages = 0;
  for (const p of points) {
    let kind: 'm' | 'c';
    let task: string;
    if (p.name.startsWith(CHANGE)) {
      kind = 'c';
      task = p.name.slice(CHANGE.length);
    } else if (p.name.startsWith(RETENTION)) {
      const rest = p.name.slice(RETENTION.length);
      const slash = rest.indexOf('/');
      if (slash < 0) continue;
      metric = rest.slice(0, slash);
      kind = 'm';
      task = rest.slice(slash + 1);
    } else continue;
    const j = index.get(task);
    if (j === undefined) continue;
    cells.set(`${kind}:${p.step}:${j}`, p.value);
    stages = Math.max(stages, p.step + 1);
  }
  const grid = (kind: 'm' | 'c') =>
    Array.from({ length: stages }, (_, i) => tasks.map((_, j) => cells.get(`${kind}:${i}:${j}`) ?? null));
  return { tasks: [...tasks], metric, matrix: grid('m'), change: grid('c') };
}
