/**
 * The task-arithmetic family PEFT merges with (peft/utils/merge_utils.py): weighted sums, magnitude pruning, DARE's
 * random drop and rescale, and TIES's sign election with a disjoint mean. Every function takes the sources' tensors
 * (same shape, flattened, float64 so sums do not lose bits) and their weights, and returns the merged tensor.
 * Plain arrays, no tf.js: the order of operations is PEFT's, which matters for the masks and the sign election.
 */

/** Where a DARE mask is drawn: which module, which factor (A, B, or the update B·A) and which source. */
export interface MaskSite {
  module: string;
  factor: 'A' | 'B' | 'delta';
  source: number;
  /** The tensor's shape in PEFT's (torch) layout. */
  shape: readonly number[];
}

/**
 * Draws DARE's keep-masks (1 keeps an entry, with probability `density`), one per call, in the order PEFT draws
 * them: per module, A's sources then B's (or the updates' for *_svd types). Tests feed PEFT's own masks through it.
 */
export type MaskSource = (site: MaskSite, density: number) => ArrayLike<number>;

export type SignMethod = 'total' | 'frequency';

/** Keeps the `floor(density * n)` entries of largest magnitude (PEFT: topk of |t|); density >= 1 keeps all. */
export function magnitudePrune(t: Float64Array, density: number): Float64Array {
  if (density >= 1) return t;
  const k = Math.floor(density * t.length);
  const order = Array.from(t.keys()).sort(
    (i, j) => Math.abs(t[j] as number) - Math.abs(t[i] as number) || i - j,
  );
  const out = new Float64Array(t.length);
  for (const i of order.slice(0, k)) out[i] = t[i] as number;
  return out;
}

/** DARE: drops entries where the mask is 0 and divides the kept ones by density; density >= 1 draws no mask. */
export function randomPrune(t: Float64Array, density: number, mask: () => ArrayLike<number>): Float64Array {
  if (density >= 1) return t;
  const m = mask();
  if (m.length !== t.length) throw new Error(`a DARE mask has ${m.length} entries, the tensor ${t.length}`);
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = ((t[i] as number) * (m[i] as number)) / density;
  return out;
}

/** sum_i w_i t_i. */
export function weightedSum(tensors: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(tensors[0]?.length ?? 0);
  tensors.forEach((t, s) => {
    const w = weights[s] as number;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (t[i] as number) * w;
  });
  return out;
}

/**
 * TIES's elect-and-merge on already pruned tensors: the majority sign per entry is the sign of the sum of the
 * (unweighted) values ("total") or of their signs ("frequency"), ties going to +; the weighted values that carry that
 * sign are averaged (a zero has sign 0, so a pruned entry never counts).
 */
export function electAndMerge(
  tensors: readonly Float64Array[],
  weights: readonly number[],
  method: SignMethod,
): Float64Array {
  const n = tensors[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let votes = 0;
    for (const t of tensors) votes += method === 'total' ? (t[i] as number) : Math.sign(t[i] as number);
    const majority = votes >= 0 ? 1 : -1;
    let sum = 0;
    let kept = 0;
    tensors.forEach((t, s) => {
      if (Math.sign(t[i] as number) !== majority) return;
      sum += (t[i] as number) * (weights[s] as number);
      kept++;
    });
    out[i] = sum / Math.max(kept, 1);
  }
  return out;
}

/** The combination applied to one group of same-shaped tensors (PEFT's task_arithmetic, ties, dare_*, magnitude_prune). */
export type Combine = 'linear' | 'ties' | 'dare_linear' | 'dare_ties' | 'magnitude_prune';

export interface CombineOptions {
  density: number;
  majoritySign: SignMethod;
  /** The mask for source `s`, drawn when (and only when) PEFT would draw it. */
  mask: (s: number) => ArrayLike<number>;
}

export function combine(
  kind: Combine,
  tensors: readonly Float64Array[],
  weights: readonly number[],
  o: CombineOptions,
): Float64Array {
  switch (kind) {
    case 'linear':
      return weightedSum(tensors, weights);
    case 'magnitude_prune':
      return weightedSum(
        tensors.map((t) => magnitudePrune(t, o.density)),
        weights,
      );
    case 'ties':
      return electAndMerge(
        tensors.map((t) => magnitudePrune(t, o.density)),
        weights,
        o.majoritySign,
      );
    case 'dare_linear':
      return weightedSum(
        tensors.map((t, s) => randomPrune(t, o.density, () => o.mask(s))),
        weights,
      );
    case 'dare_ties':
      return electAndMerge(
        tensors.map((t, s) => randomPrune(t, o.density, () => o.mask(s))),
        weights,
        o.majoritySign,
      );
  }
}
