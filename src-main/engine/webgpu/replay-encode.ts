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

/**
 * Dispatches per submission of a replay: all of them in one unless STUDIO_REPLAY_SUBMIT gives a count (benches
 * time both: the GPU waits for the whole step's encoding in one submission, but each submission costs its own).
 */
export function submitEvery(): number {
  const n = Number(process.env.STUDIO_REPLAY_SUBMIT ?? 'Infinity');
  return n >= 1 ? n : Infinity;
}

/**
 * The recorded commands: dispatches share compute passes between copies; when timed, a pass takes at most
 * `window` of them.
 */
export function encodeCommands(
  commands: readonly Command[],
  first: CommandEncoder,
  timed?: { timer: PassTimer; window: number },
  split?: { every: number; next: () => CommandEncoder },
): void {
  let encoder = first;
  let pass: ComputePass | null = null;
  let inPass = 0;
  let inEncoder = 0;
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
    if (split && inEncoder >= split.every) {
      pass?.end();
      pass = null;
      encoder = split.next();
      inEncoder = 0;
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
