import type { CombinationType } from '../../src-shared/merge.ts';

/** What the Merge form shows and asks for each combination type. */
export interface MergeTypeInfo {
  help: string;
  density: boolean;
  sign: boolean;
  svd: boolean;
}

/**
 * Every combination type of src-shared/merge.ts (the renderer imports only its types, so the table is here;
 * `satisfies` fails to compile when a type is added there and not here, and test/renderer/merge-types.test.ts
 * checks the flags against the shared predicates).
 */
export const MERGE_TYPES = {
  linear: {
    help: 'weighted sum of the A and B factors (same ranks)',
    density: false,
    sign: false,
    svd: false,
  },
  cat: {
    help: 'A and B stacked: rank = sum of ranks, exactly the weighted sum of the updates',
    density: false,
    sign: false,
    svd: false,
  },
  svd: {
    help: 'weighted sum of the updates B·A, re-factored by SVD (rank: the largest source rank unless set)',
    density: false,
    sign: false,
    svd: true,
  },
  ties: {
    help: 'TIES on the factors: keep the largest density share, elect a sign per entry, average the agreeing ones',
    density: true,
    sign: true,
    svd: false,
  },
  ties_svd: { help: 'TIES on the updates B·A, then SVD', density: true, sign: true, svd: true },
  dare_linear: {
    help: 'DARE on the factors: random drop keeping density, rescale, weighted sum',
    density: true,
    sign: false,
    svd: false,
  },
  dare_ties: {
    help: 'DARE drop and rescale, then TIES sign election',
    density: true,
    sign: true,
    svd: false,
  },
  dare_linear_svd: { help: 'DARE on the updates B·A, then SVD', density: true, sign: false, svd: true },
  dare_ties_svd: { help: 'DARE + TIES on the updates B·A, then SVD', density: true, sign: true, svd: true },
  magnitude_prune: {
    help: 'keep the largest density share of each factor, weighted sum',
    density: true,
    sign: false,
    svd: false,
  },
  magnitude_prune_svd: {
    help: 'magnitude pruning on the updates B·A, then SVD',
    density: true,
    sign: false,
    svd: true,
  },
} satisfies Record<CombinationType, MergeTypeInfo>;

export const MERGE_TYPE_NAMES = Object.keys(MERGE_TYPES) as CombinationType[];
