/**
 * DARE's keep-masks. By default they come from our seeded generator (data/rng.ts), one stream per merge, so a
 * recipe with its seed reproduces its adapter. PEFT draws them with torch.bernoulli, which no seed of ours can
 * replay: `masksFromList` feeds masks recorded from PEFT instead, in the order drawn, checking each one's size.
 */
import { Rng } from '../data/rng.ts';
import { UserError } from '../errors.ts';
import type { MaskSource } from './task-arithmetic.ts';

/** Bernoulli(density) masks from our splitmix32 generator seeded with `seed`. */
export function seededMasks(seed: number): MaskSource {
  const rng = new Rng(seed);
  return (site, density) => {
    const n = site.shape.reduce((a, b) => a * b, 1);
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) m[i] = rng.next() < density ? 1 : 0;
    return m;
  };
}

/**
 * Masks handed in one by one (PEFT's, in the order PEFT drew them); a size or count mismatch is an error, and so is
 * a module other than `modules[i]` when the list says which module each mask was drawn for.
 */
export function masksFromList(masks: readonly ArrayLike<number>[], modules?: readonly string[]): MaskSource {
  let next = 0;
  return (site) => {
    const want = modules?.[next];
    const m = masks[next++];
    if (want !== undefined && want !== site.module)
      throw new UserError(`mask ${next} was drawn for ${want}, asked for ${site.module}`);
    const n = site.shape.reduce((a, b) => a * b, 1);
    if (!m)
      throw new UserError(
        `mask ${next} (${site.module} ${site.factor}, source ${site.source}) was not given`,
      );
    if (m.length !== n)
      throw new UserError(
        `mask ${next} (${site.module} ${site.factor}) has ${m.length} entries, the tensor ${n}`,
      );
    return m;
  };
}
