/**
 * What one captured training step costs on the GPU, in the terms of issue #20's "fewer, bigger submissions": how
 * many dispatches and compute passes a replay encodes, how long its kernels run (GPU timestamps of a timed replay,
 * pass-timer.ts), how long a whole replay takes from submit to read-back, and so how busy the GPU is while the
 * step runs. The gap per dispatch is the replay time the kernels do not account for, spread over the dispatches.
 */
import type { KernelTime, PassTime } from './pass-timer.ts';

export interface StepProfile {
  dispatches: number;
  passes: number;
  /** Copies inside a replay (uploads a kernel overwrites), besides the state copies at its start. */
  copies: number;
  /** Sum of every kernel's GPU time in one timed replay. */
  kernelMs: number;
  /** Wall time of one plain replay: encode, submit, GPU work and the read-back of the step's outputs. */
  replayMs: number;
  /** kernelMs / replayMs, in percent. */
  busyPercent: number;
  /** (replayMs - kernelMs) / dispatches, in µs: what each dispatch costs beyond its kernel. */
  gapUsPerDispatch: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The profile of a step from its counts, one timed replay's kernel times and the mean plain replay time. */
export function stepProfile(
  step: { kernels: number; passes: number; copies: number },
  times: readonly KernelTime[],
  replayMs: number,
): StepProfile {
  if (times.length !== step.kernels)
    throw new Error(`${times.length} kernel times for a step of ${step.kernels} dispatches`);
  if (!(replayMs > 0)) throw new Error(`replay time ${replayMs} ms: expected a positive time`);
  const kernelMs = times.reduce((s, t) => s + t.ms, 0);
  return {
    dispatches: step.kernels,
    passes: step.passes,
    copies: step.copies,
    kernelMs: round(kernelMs, 3),
    replayMs: round(replayMs, 3),
    busyPercent: round((100 * kernelMs) / replayMs, 1),
    gapUsPerDispatch: step.kernels > 0 ? round(((replayMs - kernelMs) * 1000) / step.kernels, 2) : 0,
  };
}

/** What the transitions between dispatches of one kind and the next cost, beyond the kernels' own times. */
export interface TransitionGap {
  /** `from>to`, each side the class the caller's `classify` gave the dispatch's label. */
  transition: string;
  count: number;
  /** Mean of (pair pass time - both kernels' own times), µs; a constant of pass overhead is in every class alike. */
  meanUs: number;
}

/**
 * Transition costs by class from two timed replays of one step: each kernel alone in a pass (`kernels`) and
 * kernels in pairs (`pairs`, profilePasses with a window of 2). A pair's time less its two kernels' times is what
 * going from the first to the second cost; the means by class say which transitions are slow (issue #20's gap
 * between dispatches).
 */
export function transitionGaps(
  kernels: readonly KernelTime[],
  pairs: readonly PassTime[],
  classify: (label: string) => string,
): TransitionGap[] {
  const sums = new Map<string, { n: number; us: number }>();
  let i = 0;
  for (const p of pairs) {
    const own = kernels.slice(i, i + p.labels.length);
    if (own.length !== p.labels.length || own.some((k, j) => k.label !== p.labels[j]))
      throw new Error(`pass ${p.labels.join(' + ')} does not match the kernels at dispatch ${i}`);
    i += p.labels.length;
    if (p.labels.length !== 2) continue;
    const key = `${classify(p.labels[0] as string)}>${classify(p.labels[1] as string)}`;
    const e = sums.get(key) ?? { n: 0, us: 0 };
    e.n++;
    e.us += (p.ms - own.reduce((s, k) => s + k.ms, 0)) * 1000;
    sums.set(key, e);
  }
  if (i !== kernels.length) throw new Error(`${i} dispatches in the passes, ${kernels.length} kernels`);
  return [...sums]
    .map(([transition, e]) => ({ transition, count: e.n, meanUs: round(e.us / e.n, 2) }))
    .sort((a, b) => b.meanUs * b.count - a.meanUs * a.count);
}
