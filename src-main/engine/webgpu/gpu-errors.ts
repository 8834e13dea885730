/**
 * Errors the GPU reports only as events. WebGPU tells of a shader that fails to compile, or a dispatch past a
 * device limit, through the device's `uncapturederror` event; tf.js does not listen, the command buffer holding the
 * dispatch is dropped whole, and the step's outputs keep whatever their buffers held. A run would go on "training"
 * on steps that computed nothing (a full fine-tuning bench step did, on an H100: test/bench/RESULTS.md,
 * 2026-12-08). The device's first such error is kept here and raised where a step's result is read.
 */
import { UserError } from '../../errors.ts';

let first: string | null = null;

interface ErrorEventLike {
  error?: { message?: string };
}

/** Listens for `device`'s uncaptured errors (called once, where the device is made). */
export function watchGpuErrors(device: {
  addEventListener?: (type: string, listener: (e: ErrorEventLike) => void) => void;
}): void {
  device.addEventListener?.('uncapturederror', (e) => {
    // The first error names the cause (a shader's compile error); later ones say "invalid due to a previous error".
    first ??= (e.error?.message ?? 'unknown GPU error').replace(/\s+/g, ' ').trim().slice(0, 400);
  });
}

/** The first GPU error since the last call, or null; clears it. */
export function takeGpuError(): string | null {
  const e = first;
  first = null;
  return e;
}

/** Throws, in one line, if the GPU has reported an error since the last check. */
export function throwIfGpuError(): void {
  const e = takeGpuError();
  if (e) throw new UserError(`the GPU rejected this step's work, so it computed nothing: ${e}`);
}
