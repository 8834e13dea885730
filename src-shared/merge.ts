/**
 * Merging LoRA adapters into one, as PEFT's `add_weighted_adapter` does (PEFT 0.21): the combination types, their
 * options and the recipe a merged adapter records. The arithmetic lives in src-main/lora-merge/.
 */
import { z } from 'zod';

/** PEFT's combination types: on the A and B factors, concatenated (`cat`), or on B·A then re-factored by SVD. */
export const COMBINATION_TYPES = [
  'linear',
  'cat',
  'svd',
  'ties',
  'ties_svd',
  'dare_linear',
  'dare_ties',
  'dare_linear_svd',
  'dare_ties_svd',
  'magnitude_prune',
  'magnitude_prune_svd',
] as const;
export type CombinationType = (typeof COMBINATION_TYPES)[number];

/** Types that prune with `density` (magnitude or DARE's random masks); PEFT needs a density for them. */
export const USES_DENSITY: readonly CombinationType[] = COMBINATION_TYPES.filter(
  (t) => t.startsWith('ties') || t.startsWith('dare') || t.startsWith('magnitude_prune'),
);
/** Types that elect a sign per entry (TIES). */
export const USES_MAJORITY_SIGN: readonly CombinationType[] = [
  'ties',
  'ties_svd',
  'dare_ties',
  'dare_ties_svd',
];
/** Types whose result is re-factored from the merged B·A by SVD (rank `svdRank`, the largest source rank by default). */
export const isSvdType = (t: CombinationType): boolean => t === 'svd' || t.endsWith('_svd');
/** Types that combine the A and B factors entry by entry, so every source must have the same rank. */
export const needsSameRank = (t: CombinationType): boolean => t !== 'cat' && !isSvdType(t);

/** A merge's options, PEFT's arguments in our names; `weights` has one number per source adapter. */
export const mergeOptionsSchema = z
  .object({
    type: z.enum(COMBINATION_TYPES).default('svd').describe('combination type, as PEFT names it'),
    weights: z
      .array(z.number().finite())
      .min(1)
      .optional()
      .describe('one weight per adapter (default 1 each)'),
    density: z
      .number()
      .min(0, 'density must be between 0 and 1')
      .max(1, 'density must be between 0 and 1')
      .optional()
      .describe('share of entries kept by pruning, in [0, 1]; needed by ties, dare_* and magnitude_prune*'),
    majoritySign: z.enum(['total', 'frequency']).default('total').describe("TIES's sign election"),
    svdRank: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('rank of an *svd result (default: the largest source rank)'),
    svdClamp: z
      .number()
      .min(0, 'svdClamp is a quantile between 0 and 1')
      .max(1, 'svdClamp is a quantile between 0 and 1')
      .optional()
      .describe('clamp the SVD factors to this quantile of their values (PEFT svd_clamp)'),
    seed: z.number().int().min(0).default(0).describe("seed of DARE's random masks"),
    head: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('which source (0-based) gives the merged adapter its task head'),
  })
  .strict();
export type MergeOptions = z.output<typeof mergeOptionsSchema>;

/** What a merged adapter records about how it was made (its run config's `merge`). */
export interface MergeRecipe extends MergeOptions {
  weights: number[];
  /** The source adapters: run ids when merged in a project, and their names or folders. */
  sources: { runId: number | null; name: string }[];
}

/** What a merge reports. */
export interface MergeSummary {
  rank: number;
  alpha: number;
  modules: number;
  /** Parameters of the merged LoRA factors (the head not counted). */
  loraParams: number;
  /** Bytes of the adapter's weights file. */
  bytes: number;
  labels: string[];
}

/** A merge recorded in a project's library as a new adapter. */
export interface MergeResult extends MergeSummary {
  runId: number;
  name: string;
}
