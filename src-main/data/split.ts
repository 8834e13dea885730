/** Deterministic train / validation / test splits by seed, stratified by label for classification. */
import { mixSeed, permutation } from './rng.ts';

/** Options for `splitItems` / `splitRows`. */
export interface SplitOptions {
  seed: number;
  /** Fraction of each group for validation, in [0, 1). */
  validationFraction: number;
  /** Fraction of each group for test, in [0, 1); 0 (the default) means no test part. */
  testFraction?: number;
  /** Split each label's examples separately, so small classes appear in every part. */
  stratify: boolean;
}

/** The three parts, each in the input's order. */
export interface SplitResult<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/** Salt for the split's stream, so it never coincides with the training loop's epoch shuffles. */
const SPLIT_STREAM = 0x5eed;

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Splits items by seed. Within each group (one per label when stratified), a permutation drawn from
 * `(seed, group index)` picks `round(n * validationFraction)` items for validation (at least 1 when n >= 2),
 * then `round(n * testFraction)` for test (at least 1 when asked for and 2+ would remain), keeping at least one
 * for training. Groups are visited in sorted label order, so the result depends on the seed and the data alone.
 * Each part keeps the input order (the training loop shuffles per epoch itself).
 */
export function splitItems<T>(
  items: readonly T[],
  labelOf: (item: T) => string,
  opts: SplitOptions,
): SplitResult<T> {
  const vf = opts.validationFraction;
  const tf = opts.testFraction ?? 0;
  if (!(vf >= 0 && vf < 1) || !(tf >= 0 && tf < 1) || vf + tf >= 1) {
    throw new RangeError(`split fractions must be in [0, 1) and sum below 1 (validation ${vf}, test ${tf})`);
  }
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const key = opts.stratify ? labelOf(it) : '';
    const g = groups.get(key) ?? [];
    g.push(i);
    groups.set(key, g);
  });
  const part = new Uint8Array(items.length); // 0 train, 1 validation, 2 test
  const base = mixSeed(opts.seed, SPLIT_STREAM);
  [...groups.keys()].sort(byCode).forEach((key, k) => {
    const g = groups.get(key) as number[];
    const n = g.length;
    const nVal = vf === 0 || n < 2 ? 0 : Math.max(1, Math.round(n * vf));
    const nTest = tf === 0 || n - nVal < 2 ? 0 : Math.min(n - nVal - 1, Math.max(1, Math.round(n * tf)));
    permutation(n, base, k).forEach((idx, i) => {
      if (i < nVal + nTest) part[g[idx] as number] = i < nVal ? 1 : 2;
    });
  });
  const out: SplitResult<T> = { train: [], validation: [], test: [] };
  items.forEach((it, i) => (part[i] === 0 ? out.train : part[i] === 1 ? out.validation : out.test).push(it));
  return out;
}

/**
 * Splits text rows (see `splitItems`); the `test` key is present only when a test fraction is asked for.
 * Kept with this shape for the training service's existing callers.
 */
export function splitRows<T extends { label: string }>(
  rows: readonly T[],
  opts: SplitOptions,
): { train: T[]; validation: T[]; test?: T[] } {
  const s = splitItems(rows, (r) => r.label, opts);
  return (opts.testFraction ?? 0) > 0 ? s : { train: s.train, validation: s.validation };
}

/**
 * A seeded, stratified `fraction` of `rows` (train.trainFraction: learning curves). Within each label the first
 * round(n * fraction) of the seed's permutation are kept, so one seed gives nested subsets: 10% ⊂ 25% ⊂ 50%.
 */
export function subsetRows<T extends { label: string }>(
  rows: readonly T[],
  fraction: number,
  seed: number,
): T[] {
  if (fraction >= 1) return [...rows];
  return splitItems(rows, (r) => r.label, { seed, validationFraction: fraction, stratify: true }).validation;
}
