/**
 * Evaluation's forward passes on webgpu, captured and replayed as the training steps are (gpu-steps.ts). Evaluation
 * runs the same few batch shapes at every epoch (length buckets, the last batch padded with masked rows), and op by
 * op each batch costs tf.js's JavaScript per kernel: on an H100 an evaluation of 310 rows of BERT-small in batches
 * of 64 took ~0.2 s, 5 forwards of ~40 ms, where a replay takes a few ms. A shape's first forward runs plainly (its
 * programs compiled), the next two are recorded, and the rest replay. The trained weights are the capture's state:
 * a replay first copies them from wherever the last training step left them. A forward that cannot be captured
 * runs op by op from then on, and the run log says why once.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { readFloats } from '../engine/read-back.ts';
import { CaptureRefused, CaptureStale, StepRecorder } from '../engine/webgpu/step-capture.ts';
import type { CapturedStep } from '../engine/webgpu/step-capture.ts';

type Slot =
  | { kind: 'captured'; step: CapturedStep }
  | { kind: 'recording'; recorder: StepRecorder; attempts: number };

/** Shapes held at once: evaluation batches come in as many shapes as the length buckets their rows fall in. */
const MAX_SHAPES = 4;

export class GpuForwards {
  readonly #slots = new Map<string, Slot>();
  readonly #seen = new Set<string>();
  #refused = false;
  /** Forwards run and replayed so far (the run log's GPU steps line, tests). */
  runs = 0;
  replayed = 0;

  constructor(
    /** What the forwards read that training changes: the trained weights. */
    readonly state: () => tf.Variable[],
    readonly log: (message: string) => void,
  ) {}

  /**
   * Runs `fn` (reading only `inputs`, the state and constants; no read-back) and gives its outputs' values, which
   * resolve once the GPU has run it: several forwards can be queued before their values are awaited. Every `values`
   * must be awaited (or caught), all of them before dispose.
   */
  async run(
    inputs: readonly tf.Tensor[],
    fn: () => tf.Tensor[],
  ): Promise<{ values: Promise<Float32Array[]> }> {
    const shape = inputs.map((t) => `${t.dtype}:${t.shape.join('x')}`).join(',');
    this.runs++;
    const slot = this.#slots.get(shape);
    if (slot?.kind === 'captured') {
      try {
        const { outputs } = await slot.step.launch(inputs, this.state());
        this.replayed++;
        return { values: outputs };
      } catch (err) {
        if (!(err instanceof CaptureStale)) throw err;
        this.#drop(shape); // a tensor it reads is gone (a restored checkpoint): record it again
      }
    }
    const seen = this.#seen.has(shape);
    this.#seen.add(shape);
    const recording = !this.#refused && seen ? this.#recording(shape) : null;
    let outs: tf.Tensor[];
    if (recording) {
      try {
        outs = recording.recorder.record(inputs, fn);
        recording.attempts++;
      } catch (err) {
        if (!(err instanceof CaptureRefused)) throw err;
        this.#refuse(err.message);
        outs = fn();
      }
    } else outs = fn();
    const values = readFloats(outs).finally(() => {
      for (const t of outs) t.dispose();
    });
    if (recording && !this.#refused && recording.attempts >= 2) {
      // As the training steps do: the recorded forward has run before its capture is built.
      await values.catch(() => undefined);
      this.#build(shape, recording);
    }
    return { values };
  }

  #recording(shape: string): Extract<Slot, { kind: 'recording' }> | null {
    const slot = this.#slots.get(shape);
    if (slot?.kind === 'recording') return slot;
    if (this.#slots.size >= MAX_SHAPES) return null;
    const fresh = {
      kind: 'recording' as const,
      recorder: new StepRecorder({ state: this.state() }),
      attempts: 0,
    };
    this.#slots.set(shape, fresh);
    return fresh;
  }

  #build(shape: string, slot: Extract<Slot, { kind: 'recording' }>): void {
    try {
      this.#slots.set(shape, { kind: 'captured', step: slot.recorder.build() });
    } catch (err) {
      if (!(err instanceof CaptureRefused)) throw err;
      if (err.retry && slot.attempts < 4) return; // record the next forward of this shape too
      this.#refuse(err.message);
    }
  }

  #refuse(why: string): void {
    this.#refused = true;
    this.log(`evaluation runs one kernel at a time (slower): ${why}`);
    for (const shape of [...this.#slots.keys()]) this.#drop(shape);
  }

  #drop(shape: string): void {
    const slot = this.#slots.get(shape);
    this.#slots.delete(shape);
    if (slot?.kind === 'captured') slot.step.dispose();
    else slot?.recorder.dispose();
  }

  dispose(): void {
    for (const shape of [...this.#slots.keys()]) this.#drop(shape);
  }
}
