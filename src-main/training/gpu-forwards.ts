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
import { CaptureStale } from '../engine/webgpu/step-capture.ts';
import { CaptureSlots, shapeKey } from './capture-slots.ts';

/** Shapes held at once: evaluation batches come in as many shapes as the length buckets their rows fall in. */
const MAX_SHAPES = 4;

export class GpuForwards {
  readonly #slots: CaptureSlots;
  /** Forwards run and replayed so far (the run log's GPU steps line, tests). */
  runs = 0;
  replayed = 0;

  constructor(
    /** What the forwards read that training changes: the trained weights. */
    state: () => tf.Variable[],
    log: (message: string) => void,
  ) {
    this.#slots = new CaptureSlots(state, MAX_SHAPES, (why) =>
      log(`evaluation runs one kernel at a time (slower): ${why}`),
    );
  }

  /**
   * Runs `fn` (reading only `inputs`, the state and constants; no read-back) and gives its outputs' values, which
   * resolve once the GPU has run it: several forwards can be queued before their values are awaited. Every `values`
   * must be awaited (or caught), all of them before dispose.
   */
  async run(
    inputs: readonly tf.Tensor[],
    fn: () => tf.Tensor[],
  ): Promise<{ values: Promise<Float32Array[]> }> {
    const shape = shapeKey(inputs);
    this.runs++;
    const captured = this.#slots.captured(shape);
    if (captured) {
      try {
        const { outputs } = await captured.launch(inputs, this.#slots.state());
        this.replayed++;
        return { values: outputs };
      } catch (err) {
        if (!(err instanceof CaptureStale)) throw err;
        this.#slots.drop(shape); // a tensor it reads is gone (a restored checkpoint): record it again
      }
    }
    const { outs, recorded } = this.#slots.run(shape, inputs, fn);
    const values = readFloats(outs).finally(() => {
      for (const t of outs) t.dispose();
    });
    if (recorded) {
      // As the training steps do: the recorded forward has run before its capture is built.
      await values.catch(() => undefined);
      this.#slots.build(shape);
    }
    return { values };
  }

  dispose(): void {
    this.#slots.dispose();
  }
}
