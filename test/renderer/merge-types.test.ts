import { describe, expect, it } from 'vitest';
import { MERGE_TYPES, MERGE_TYPE_NAMES } from '../../src-renderer/lib/merge-types.ts';
import { COMBINATION_TYPES, USES_DENSITY, USES_MAJORITY_SIGN, isSvdType } from '../../src-shared/merge.ts';

describe("the Merge form's table of combination types", () => {
  it('lists every type the engine takes, asking for what each uses', () => {
    expect([...MERGE_TYPE_NAMES].sort()).toEqual([...COMBINATION_TYPES].sort());
    for (const t of COMBINATION_TYPES)
      expect([t, MERGE_TYPES[t].density, MERGE_TYPES[t].sign, MERGE_TYPES[t].svd]).toEqual([
        t,
        USES_DENSITY.includes(t),
        USES_MAJORITY_SIGN.includes(t),
        isSvdType(t),
      ]);
  });
});
