/**
 * Encoding a captured step's commands (step-capture.ts): its dispatches in compute passes, split where a copy
 * comes, where a timed replay wants passes of a few kernels (pass-timer.ts), or where a replay submits part of the
 * step early.
 */
import type { GpuBuffer, GpuPipeline } from './backend-internals.ts';
import type { CommandEncoder, PassTimer } from './pass-timer.ts';

interface ComputePass {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
  end(): void;
}

export type Command =
  | {
      kind: 'dispatch';
      label: string;
      pipeline: GpuPipeline;
      bindGroup: unknown;
      dispatch: [number, number, number];
    }
  | { kind: 'copy'; src: GpuBuffer; dst: GpuBuffer; size: number };

/** How many dispatches the first submission of a replay holds when the step is submitted in a ramp. */
export const RAMP_FIRST = 16;

/**
 * Dispatches in each submission of a replay, by its index. A step encoded whole before it is submitted leaves the
 * GPU idle for all of its encoding (a few µs a dispatch, hundreds of dispatches: issue #20's host share). By
 * default the first part is small, so the GPU starts almost at once, and each next part is twice the last, so a
 * step of hundreds of dispatches takes a handful of submissions while the GPU works through the parts already sent.
 * STUDIO_REPLAY_SUBMIT=all submits the whole step at once, =<n> in parts of n (benches time them against each other).
 */
export function submitParts(): (part: number) => number {
  const v = process.env.STUDIO_REPLAY_SUBMIT ?? '';
  if (v === 'all') return () => Infinity;
  const n = Number(v);
  if (v !== '' && n >= 1) return () => n;
  return (part) => RAMP_FIRST * 2 ** part;
}

/**
 * The recorded commands: dispatches share compute passes between copies; when timed, a pass takes at most
 * `window` of them.
 */
export function encodeCommands(
  commands: readonly Command[],
  first: CommandEncoder,
  timed?: { timer: PassTimer; window: number },
  split?: { parts: (part: number) => number; next: () => CommandEncoder },
): void {
  let encoder = first;
  let pass: ComputePass | null = null;
  let inPass = 0;
  let inEncoder = 0;
  let part = 0;
  let partSize = split?.parts(0) ?? Infinity;
  // A pass keeps its pipeline between dispatches: set only when it changes (each call crosses into Dawn).
  let pipeline: GpuPipeline = null;
  for (const c of commands) {
    if (c.kind === 'copy') {
      pass?.end();
      pass = null;
      encoder.copyBufferToBuffer(c.src, 0, c.dst, 0, c.size);
      continue;
    }
    if (pass && timed && inPass >= timed.window) {
      pass.end();
      pass = null;
    }
    if (split && inEncoder >= partSize) {
      pass?.end();
      pass = null;
      encoder = split.next();
      inEncoder = 0;
      partSize = split.parts(++part);
    }
    if (!pass) {
      pass = (
        timed ? encoder.beginComputePass(timed.timer.next(c.label)) : encoder.beginComputePass()
      ) as ComputePass;
      pipeline = null;
      inPass = 0;
    } else timed?.timer.also(c.label);
    if (c.pipeline !== pipeline) pass.setPipeline((pipeline = c.pipeline));
    pass.setBindGroup(0, c.bindGroup);
    pass.dispatchWorkgroups(c.dispatch[0], c.dispatch[1], c.dispatch[2]);
    inPass++;
    inEncoder++;
  }
  pass?.end();
}
