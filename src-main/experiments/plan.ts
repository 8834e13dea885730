/**
 * What a sweep runs, decided before any trial starts: the trials' option values (a grid, or a seeded random draw),
 * each trial's train config, and the successive-halving rule. Pure: no engine, no database.
 */
import { LOWER_IS_BETTER } from '../../src-shared/domain.ts';
import { configFieldLabel, describeIssue } from '../../src-shared/field-errors.ts';
import type { SweepConfig, TrialParams } from '../../src-shared/sweep.ts';
import { trainConfigSchema } from '../../src-shared/train-config.ts';
import type { TrainConfig } from '../../src-shared/train-config.ts';
import '../adapters/schemas.ts';
import { Rng } from '../data/rng.ts';
import { UserError } from '../errors.ts';

/** Every trial's option values, in the order they run. */
export function planTrials(config: SweepConfig): TrialParams[] {
  const keys = Object.keys(config.space).sort();
  if (config.search.kind === 'grid') {
    let combos: TrialParams[] = [{}];
    for (const k of keys) {
      const values = config.space[k] as (number | string | boolean)[];
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
    }
    return combos;
  }
  const rng = new Rng(config.search.seed);
  return Array.from({ length: config.search.trials ?? 0 }, () => {
    const t: TrialParams = {};
    for (const k of keys) {
      const s = config.space[k];
      if (s === undefined) continue;
      if (Array.isArray(s)) t[k] = s[Math.min(s.length - 1, Math.floor(rng.next() * s.length))] as number;
      else {
        const u = rng.next();
        const x = s.log
          ? Math.exp(Math.log(s.min) + u * (Math.log(s.max) - Math.log(s.min)))
          : s.min + u * (s.max - s.min);
        t[k] = s.int ? Math.round(x) : Number(x.toPrecision(4));
      }
    }
    return t;
  });
}

/** A trial's train config: the base with its values set; a value the method refuses is named in one line. */
export function trialConfig(
  config: SweepConfig,
  params: TrialParams,
  index: number,
  sweepName: string,
): TrainConfig {
  const raw: Record<string, unknown> = structuredClone({ ...config.base, project: config.project });
  for (const [k, v] of Object.entries(params)) {
    const [section, field] = k.split('.') as ['method' | 'train', string];
    raw[section] = { ...(raw[section] as Record<string, unknown>), [field]: v };
  }
  const label = Object.entries(params)
    .map(([k, v]) => `${k.split('.')[1]}=${v}`)
    .join(' ');
  raw.name = `${sweepName} #${index + 1} ${label}`;
  const parsed = trainConfigSchema.safeParse(raw);
  const issue = parsed.error?.issues[0];
  if (issue) {
    const { field, message } = describeIssue(issue, configFieldLabel(issue.path, raw));
    // A swept value the config refuses is the sweep's space entry to blame (the Experiments form's row).
    const swept = Object.hasOwn(params, field) ? { field: `config.space.${field}` } : {};
    throw new UserError(`trial ${index + 1} (${label}): ${message}${field ? ` (${field})` : ''}`, swept);
  }
  if (!parsed.success) throw new UserError(`trial ${index + 1} (${label}): not a valid config`);
  return parsed.data;
}

export const lowerIsBetter = (metric: string) => LOWER_IS_BETTER.has(metric);

/** The fraction of its steps at which a trial is scored for rung k (0-based): 1/eta^(rungs-k). */
export const rungFraction = (k: number, h: { eta: number; rungs: number }) => 1 / h.eta ** (h.rungs - k);

/**
 * Successive halving, one trial at a time (the asynchronous form): a trial scored `score` at a rung goes on while
 * it ranks in the best floor(n/eta) of the n trials scored there so far (itself included). The first eta trials at
 * a rung always go on: with fewer scores there is nothing to halve.
 */
export function keepsGoing(score: number, earlier: readonly number[], eta: number, lower: boolean): boolean {
  const n = earlier.length + 1;
  if (n < eta) return true;
  const better = earlier.filter((s) => (lower ? s < score : s > score)).length;
  return better < Math.max(1, Math.floor(n / eta));
}

/** The best of the scored trials (ties: the earlier one), or null. */
export function bestTrial(scores: readonly (number | null)[], lower: boolean): number | null {
  let best: number | null = null;
  scores.forEach((s, i) => {
    if (s === null) return;
    const b = best === null ? null : scores[best];
    if (b === null || b === undefined || (lower ? s < b : s > b)) best = i;
  });
  return best;
}
