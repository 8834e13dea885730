import type { ShootoutConfigInput, ShootoutRow, ShootoutView } from '../../src-shared/shootout.ts';
import { call } from './api.ts';
import { ProjectListState } from './project-list.svelte.ts';

/** "10, 25, 50, 100" (percent) as fractions of the training split. */
export const parseFractions = (text: string): number[] =>
  text
    .split(',')
    .map((s) => Number(s.trim()) / 100)
    .filter((f) => Number.isFinite(f) && f > 0 && f <= 1);

/**
 * What is wrong with the typed percentages, in words, or null: an entry that is no number in (0, 100] is named
 * rather than left out of the shoot-out without a word.
 */
export function fractionsProblem(text: string): string | null {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'Training data: give at least one percentage, e.g. 10, 50, 100';
  const bad = entries.find((s) => {
    const n = Number(s);
    return !Number.isFinite(n) || n <= 0 || n > 100;
  });
  return bad === undefined ? null : `Training data: ${bad} is not a percentage between 0 (excluded) and 100`;
}

/** A row's share of trainable parameters (0..1), or null before its first run reported it. */
export const shareOf = (r: ShootoutRow) =>
  r.trainableParams !== null && r.totalParams ? r.trainableParams / r.totalParams : null;

/**
 * The Pareto front of metric vs % trainable on the whole data: the rows no other row beats with fewer parameters.
 * Returned in increasing size.
 */
export function paretoFront(rows: readonly ShootoutRow[], lower: boolean): ShootoutRow[] {
  const scored = rows
    .map((r) => ({ r, share: shareOf(r), score: r.cells.at(-1)?.score ?? null }))
    .filter(
      (p): p is { r: ShootoutRow; share: number; score: number } => p.share !== null && p.score !== null,
    )
    .sort((a, b) => a.share - b.share);
  const front: ShootoutRow[] = [];
  let best: number | null = null;
  for (const p of scored)
    if (best === null || (lower ? p.score < best : p.score > best)) {
      front.push(p.r);
      best = p.score;
    }
  return front;
}

/** The open project's shoot-outs, followed through main's events, never on a timer. */
export class ShootoutsState extends ProjectListState<ShootoutView> {
  constructor() {
    super((project) => call('shootouts:list', { project }), ['shootout:changed', 'run:status']);
  }

  async start(config: ShootoutConfigInput): Promise<void> {
    await call('shootouts:start', { config });
    await this.refresh();
  }

  act(action: 'shootouts:resume' | 'shootouts:cancel', shootoutId: number): Promise<void> {
    return this.perform((project) => call(action, { project, shootoutId }));
  }
}
