/**
 * Captures by input shape, for the training loop's steps (gpu-steps.ts) and evaluation's forwards
 * (gpu-forwards.ts). A capture replays only inputs of the shape it recorded, so each shape has its own: its first
 * run is plain (its kernels compiled, its cached constants made), so a shape seen once holds no recording; its next
 * two runs are recorded, whatever ran in between (a recording compares programs, not buffers), and then it
 * replays. At most `maxShapes` are held (each holds GPU memory); beyond, the least recently used is dropped and
 * records again if it comes back. Once anything refuses to be captured, every run is plain from then on.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { CaptureRefused, StepRecorder } from '../engine/webgpu/step-capture.ts';
import type { CapturedStep } from '../engine/webgpu/step-capture.ts';

type Slot =
  | { kind: 'captured'; step: CapturedStep }
  | { kind: 'recording'; recorder: StepRecorder; attempts: number };

export class CaptureSlots {
  /** By shape, least recently used first. */
  readonly #slots = new Map<string, Slot>();
  /** Shapes run at least once. */
  readonly #seen = new Set<string>();
  #refused = false;

  constructor(
    /** What the runs carry from one to the next (weights, optimizer moments): a replay starts from their values. */
    readonly state: () => tf.Variable[],
    readonly maxShapes: number,
    /** Told once, why runs are plain from now on. */
    readonly onRefused: (why: string) => void,
  ) {}

  /** The shape's capture, marked most recently used; undefined while it has none. */
  captured(shape: string): CapturedStep | undefined {
    const slot = this.#slots.get(shape);
    if (!slot) return undefined;
    this.#slots.delete(shape);
    this.#slots.set(shape, slot);
    return slot.kind === 'captured' ? slot.step : undefined;
  }

  /**
   * Runs `fn` on `inputs`, plainly or recorded (the shape's second run on). `recorded`: call {@link build} once the
   * run has finished on the GPU.
   */
  run(
    shape: string,
    inputs: readonly tf.Tensor[],
    fn: () => tf.Tensor[],
  ): { outs: tf.Tensor[]; recorded: boolean } {
    const seen = this.#seen.has(shape);
    this.#seen.add(shape);
    const recording = !this.#refused && seen ? this.#recording(shape) : null;
    if (!recording) return { outs: fn(), recorded: false };
    try {
      const outs = recording.recorder.record(inputs, fn);
      recording.attempts++;
      return { outs, recorded: true };
    } catch (err) {
      // Refused while recording (the run reads GPU data back): plain from now on.
      if (!(err instanceof CaptureRefused)) throw err;
      this.#refuse(err.message);
      return { outs: fn(), recorded: false };
    }
  }

  /** After a recorded run: its capture once two recordings agree (null until then, or when refused). */
  build(shape: string): CapturedStep | null {
    const slot = this.#slots.get(shape);
    if (this.#refused || slot?.kind !== 'recording' || slot.attempts < 2) return null;
    try {
      const step = slot.recorder.build();
      this.#slots.set(shape, { kind: 'captured', step });
      return step;
    } catch (err) {
      if (!(err instanceof CaptureRefused)) throw err;
      if (err.retry && slot.attempts < 4) return null; // record the next run too, compare the last two
      this.#refuse(err.message);
      return null;
    }
  }

  /** Forgets the shape's capture or recording (a tensor it reads is gone: it records again). */
  drop(shape: string): void {
    const slot = this.#slots.get(shape);
    this.#slots.delete(shape);
    if (slot?.kind === 'captured') slot.step.dispose();
    else slot?.recorder.dispose();
  }

  dispose(): void {
    for (const shape of [...this.#slots.keys()]) this.drop(shape);
  }

  #recording(shape: string): Extract<Slot, { kind: 'recording' }> {
    const slot = this.#slots.get(shape);
    if (slot?.kind === 'recording') return slot;
    while (this.#slots.size >= this.maxShapes) this.drop(this.#slots.keys().next().value as string);
    const fresh = {
      kind: 'recording' as const,
      recorder: new StepRecorder({ state: this.state() }),
      attempts: 0,
    };
    this.#slots.set(shape, fresh);
    return fresh;
  }

  #refuse(why: string): void {
    this.#refused = true;
    this.onRefused(why);
    this.dispose();
  }
}

/** A shape key of tensors: their dtypes and shapes, in order. */
export const shapeKey = (inputs: readonly tf.Tensor[]): string =>
  inputs.map((t) => `${t.dtype}:${t.shape.join('x')}`).join(',');
