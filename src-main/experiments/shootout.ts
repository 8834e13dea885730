/**
 * The method shoot-out: one sweep over the learning rate per (method, data fraction), run one after another;
 * read back as a table of methods x fractions, sizes and times, and a verdict in words. Main side, no engine.
 */
import type { Database } from 'better-sqlite3';
import { lrsFor, methodLabel } from '../../src-shared/shootout.ts';
import type { ShootoutConfig, ShootoutRow, ShootoutView } from '../../src-shared/shootout.ts';
import { sweepConfigSchema } from '../../src-shared/sweep.ts';
import type { SweepStatus, SweepView } from '../../src-shared/sweep.ts';
import { getRun } from '../db/tables/runs.ts';
import { getShootout, insertShootout, linkSweep, shootoutSweepIds } from '../db/tables/shootouts.ts';
import type { ShootoutRecord } from '../db/tables/shootouts.ts';
import { UserError } from '../errors.ts';
import { lowerIsBetter } from './plan.ts';
import { createSweep, sweepById, sweepView } from './sweeps.ts';
import { SweepRunner } from './sweep-runner.ts';
import type { TrialLauncher } from './sweep-runner.ts';

const pct = (f: number) => `${Math.round(f * 100)}%`;
/** The whole data first (the headline comparison arrives first), then the smaller fractions. */
const fractionsInRunOrder = (c: ShootoutConfig) => [...new Set(c.fractions)].sort((a, b) => b - a);

/** Records the shoot-out and all its sweeps at once; any refused trial config writes nothing. */
export function createShootout(db: Database, config: ShootoutConfig): number {
  const dataset =
    'sample' in config.dataset ? config.dataset.sample : config.dataset.path.split(/[\\/]/).at(-1);
  const name = config.name ?? `shoot-out on ${dataset}`;
  return db.transaction(() => {
    const id = insertShootout(db, { name, config, createdAt: new Date().toISOString() });
    for (const fraction of fractionsInRunOrder(config))
      for (const method of config.methods) {
        const sweep = sweepConfigSchema.parse({
          project: config.project,
          name: `${name}: ${methodLabel(method)} @ ${pct(fraction)}`,
          base: {
            model: config.model,
            dataset: config.dataset,
            method,
            train: { ...config.train, ...(fraction < 1 ? { trainFraction: fraction } : {}) },
          },
          space: { 'train.lr': lrsFor(method.type, config.lrs) },
          metric: config.metric,
          halving: null,
        });
        linkSweep(db, createSweep(db, sweep), id);
      }
    return id;
  })();
}

export function shootoutById(db: Database, id: number): ShootoutRecord {
  const s = getShootout(db, id);
  if (!s) throw new UserError(`shoot-out ${id} does not exist in this project`);
  return s;
}

const seconds = (runId: number | null, db: Database) => {
  const run = runId === null ? undefined : getRun(db, runId);
  if (!run?.startedAt || !run.finishedAt) return null;
  return (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
};

function statusOf(sweeps: SweepView[]): ShootoutView['status'] {
  if (sweeps.some((s) => s.status === 'running')) return 'running';
  if (sweeps.every((s) => s.status === 'completed')) return 'completed';
  if (sweeps.some((s) => s.status === 'cancelled')) return 'cancelled';
  return 'interrupted';
}

export function shootoutView(db: Database, record: ShootoutRecord): ShootoutView {
  const { config } = record;
  const sweeps = shootoutSweepIds(db, record.id).map((id) => sweepView(db, sweepById(db, id)));
  const fractions = [...new Set(config.fractions)].sort((a, b) => a - b);
  const perMethod = sweeps.length / Math.max(1, fractions.length);
  const rows: ShootoutRow[] = config.methods.map((method, m) => {
    const cells = fractions.map((fraction) => {
      // Sweeps were made by fraction (largest first), then method: find this method's at this fraction.
      const order = fractionsInRunOrder(config).indexOf(fraction);
      const sweep = sweeps[order * perMethod + m] as SweepView;
      const best = sweep.trials.find((t) => t.index === sweep.bestTrial);
      return {
        fraction,
        score: best?.score ?? null,
        lr: (best?.params['train.lr'] as number | undefined) ?? null,
        sweepId: sweep.id,
        runId: best?.runId ?? null,
      };
    });
    const whole = cells.at(-1);
    const anyRun = sweeps
      .flatMap((s) => (s.config.base.method.type === method.type ? s.trials : []))
      .map((t) => (t.runId === null ? undefined : getRun(db, t.runId)))
      .find((r) => r?.trainableParams);
    return {
      label: methodLabel(method),
      method: method.type,
      cells,
      trainableParams: anyRun?.trainableParams ?? null,
      totalParams: anyRun?.totalParams ?? null,
      seconds: seconds(whole?.runId ?? null, db),
      peakMemoryBytes: whole?.runId == null ? null : (getRun(db, whole.runId)?.peakMemoryBytes ?? null),
    };
  });
  const lower = lowerIsBetter(config.metric);
  return {
    id: record.id,
    name: record.name,
    status: statusOf(sweeps),
    metric: config.metric,
    lowerIsBetter: lower,
    fractions,
    rows,
    advice: advise(rows, config.metric, lower),
    sweeps,
    createdAt: record.createdAt,
  };
}

/** The parameter budget the verdict names (the premise: adapters at a few % of the parameters). */
export const PARAM_BUDGET = 0.05;

/** The verdict in words, from the rows: best overall, best under the budget, best with the least data. */
export function advise(rows: readonly ShootoutRow[], metric: string, lower: boolean): string[] {
  const better = (a: number, b: number) => (lower ? a < b : a > b);
  const fmt = (v: number) => v.toFixed(4);
  const share = (r: ShootoutRow) =>
    r.trainableParams !== null && r.totalParams ? r.trainableParams / r.totalParams : null;
  const bestAt = (i: number, pool: readonly ShootoutRow[]) =>
    pool.reduce<ShootoutRow | null>((best, r) => {
      const s = r.cells[i]?.score;
      const b = best?.cells[i]?.score;
      return s !== null && s !== undefined && (b === null || b === undefined || better(s, b)) ? r : best;
    }, null);
  const last = (rows[0]?.cells.length ?? 1) - 1;
  const top = bestAt(last, rows);
  if (!top) return ['No method has finished on the whole data yet.'];
  const topScore = top.cells[last]?.score as number;
  const lines = [`Best ${metric} on all the training data: ${top.label} (${fmt(topScore)}).`];
  const small = rows.filter((r) => (share(r) ?? 1) < PARAM_BUDGET);
  const lean = bestAt(last, small);
  if (lean) {
    const s = lean.cells[last]?.score as number;
    lines.push(
      lean === top
        ? `It also trains under ${PARAM_BUDGET * 100}% of the parameters (${((share(lean) ?? 0) * 100).toFixed(2)}%): pick it.`
        : `Under ${PARAM_BUDGET * 100}% of the parameters: ${lean.label} (${fmt(s)}, ${((share(lean) ?? 0) * 100).toFixed(2)}% trainable), ${Math.abs(topScore - s).toFixed(4)} from the best.`,
    );
  }
  if (last > 0) {
    const few = bestAt(0, rows);
    const f = rows[0]?.cells[0]?.fraction ?? 0;
    if (few)
      lines.push(
        `With ${Math.round(f * 100)}% of the data: ${few.label} (${fmt(few.cells[0]?.score as number)})${few === top ? '' : `, ahead of ${top.label} (${(top.cells[0]?.score ?? NaN).toFixed(4)})`}.`,
      );
  }
  return lines;
}

/** Runs a shoot-out's sweeps one after another; ends like a sweep (interrupted when a trial was cut off). */
export class ShootoutRunner {
  #current: SweepRunner | null = null;
  #cancelled = false;

  constructor(
    private readonly db: Database,
    readonly shootoutId: number,
    private readonly launcher: TrialLauncher,
    private readonly onChange: () => void = () => {},
  ) {}

  cancel(): void {
    this.#cancelled = true;
    this.#current?.cancel();
  }

  async run(): Promise<SweepStatus> {
    for (const id of shootoutSweepIds(this.db, this.shootoutId)) {
      if (this.#cancelled) return 'cancelled';
      if (sweepById(this.db, id).status === 'completed') continue;
      this.#current = new SweepRunner(this.db, id, this.launcher, this.onChange);
      const status = await this.#current.run();
      this.#current = null;
      if (status !== 'completed') return status;
    }
    return 'completed';
  }
}
