/**
 * What one captured training step costs on the GPU, in the terms of issue #20's "fewer, bigger submissions": how
 * many dispatches and compute passes a replay encodes, how long its kernels run (GPU timestamps of a timed replay,
 * pass-timer.ts), how long a whole replay takes from submit to read-back, and so how busy the GPU is while the
 * step runs. The gap per dispatch is the replay time the kernels do not account for, spread over the dispatches.
 */
import type { KernelTime } from './pass-timer.ts';

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
