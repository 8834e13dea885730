/**
 * The training loop's optimizer step on webgpu. tf.js spends most of a GPU step in per-kernel JavaScript, so the
 * step (device-step.ts: forward and backward of each micro-batch, clipping, AdamW; nothing read back) is recorded
 * on two real steps and replayed from then on (engine/webgpu/step-capture.ts): a BERT-small LoRA step 69 ms eager,
 * 10 ms replayed on an H200 (test/bench/RESULTS.md). A shape's first step runs plainly (kernels compiled,
 * optimizer state created). A capture replays only batches of the shape it recorded, and batches come in a few shapes
 * (length buckets, length-buckets.ts; fewer micro-batches at an epoch's end), so there is one capture per shape
 * (capture-slots.ts), and a replay first takes the state from wherever the last step left it (adopt). A step
 * that cannot be captured at all runs eagerly for the rest of the run and says why once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CaptureStale } from '../engine/webgpu/step-capture.ts';
import { webgpuBackend } from '../engine/webgpu/backend-internals.ts';
import { compileAhead, compileAheadEnabled } from '../engine/webgpu/compile-ahead.ts';
import { throwIfGpuError } from '../engine/webgpu/gpu-errors.ts';
import type { AdamW } from './adamw.ts';
import { CaptureSlots, shapeKey } from './capture-slots.ts';
import { deviceStep } from './device-step.ts';
import { GpuForwards } from './gpu-forwards.ts';
import { MAX_CAPTURES } from './length-buckets.ts';
import type { TrainTask } from './task.ts';

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 24 ? 1 : 0)} MB`;

export class GpuSteps<B> {
  #steps = 0;
  /** Steps replayed so far (for the run log and tests). */
  replayed = 0;
  /** Captures built (a shape dropped and captured again counts again). */
  captures = 0;
  /** By batch shape; STUDIO_GPU_CAPTURES lowers how many are held (less GPU memory, more steps recorded again). */
  readonly #slots = new CaptureSlots(
    () => this.#state(),
    Math.max(1, Math.floor(Number(process.env.STUDIO_GPU_CAPTURES) || MAX_CAPTURES)),
    (why) => this.log(`GPU steps run one kernel at a time (slower): ${why}`),
  );
  /** Evaluation's forwards, captured too where the task allows (gpu-forwards.ts); disposed with the steps. */
  readonly forwards: GpuForwards | undefined;

  constructor(
    readonly task: TrainTask<B> & Required<Pick<TrainTask<B>, 'dropoutSeed' | 'stepInputs'>>,
    readonly optimizer: AdamW,
    readonly opts: { dropout: boolean; gradClip: number; accumulation: number },
    readonly log: (message: string) => void,
  ) {
    this.forwards = task.captureEvaluation
      ? new GpuForwards(() => [...task.trainable.values()], log)
      : undefined;
  }

  /** Whether this task and backend can use captured steps (STUDIO_GPU_CAPTURE=0 turns them off, for comparison). */
  static usable<B>(
    task: TrainTask<B>,
  ): task is TrainTask<B> & Required<Pick<TrainTask<B>, 'dropoutSeed' | 'stepInputs'>> {
    return (
      tf.getBackend() === 'webgpu' &&
      process.env.STUDIO_GPU_CAPTURE !== '0' &&
      !!task.dropoutSeed &&
      !!task.stepInputs
    );
  }

  #state(): tf.Variable[] {
    return [...this.task.trainable.values(), ...this.optimizer.stateVariables()];
  }

  /**
   * One optimizer step on `batches` (its micro-batches: gradients averaged over them); `result` is the mean loss and
   * the gradient norm before clipping. A replayed step resolves once it is submitted, its `result` when the GPU has
   * run it: the caller can make and launch the next step meanwhile. A step run op by op (a shape's first steps) is
   * finished when this resolves. Every `result` must be awaited (or caught), all of them before dispose.
   */
  async launch(
    batches: readonly B[],
    step: number,
    lr: number,
    /** Mixed precision's loss scale for this step (loss-scale.ts); none in fp32. */
    lossScale?: number,
  ): Promise<{ result: Promise<{ loss: number; norm: number }>; replayed: boolean }> {
    // Micro-batch m of step s draws the dropout masks of micro-step s·accumulation + m, as the CPU loop does.
    const seeds = batches.map((_, m) =>
      tf.tensor1d([this.task.dropoutSeed(step * this.opts.accumulation + m) | 0], 'int32'),
    );
    const scaled = lossScale !== undefined;
    const scalars = tf.tensor1d([...this.optimizer.nextStep(lr), ...(scaled ? [lossScale] : [])]);
    const inputs = [...batches.flatMap((b) => this.task.stepInputs(b)), ...seeds, scalars];
    const shape = shapeKey(inputs);
    try {
      const captured = this.#slots.captured(shape);
      if (captured) {
        try {
          const { outputs } = await captured.launch(inputs, this.#state());
          this.replayed++;
          this.#steps++;
          const result = outputs.then(([out]) => {
            throwIfGpuError();
            return { loss: out?.[0] ?? NaN, norm: out?.[1] ?? NaN };
          });
          return { result, replayed: true };
        } catch (err) {
          if (!(err instanceof CaptureStale)) throw err;
          // A tensor it reads is gone (a restored checkpoint, another shape's capture dropped): record it again.
          this.#slots.drop(shape);
        }
      }
      const run = () => [
        deviceStep({
          loss: batches.map(
            (batch, m) => () =>
              this.task.loss(batch, {
                training: this.opts.dropout,
                step: step * this.opts.accumulation + m,
                seed: seeds[m],
              }),
          ),
          trainable: this.task.trainable,
          optimizer: this.optimizer,
          scalars,
          scaledLoss: scaled,
          maxNorm: this.opts.gradClip,
        }),
      ];
      // The run's first step compiles most of the run's GPU programs: in parallel, before it runs (compile-ahead.ts).
      if (this.#steps === 0 && compileAheadEnabled()) {
        this.optimizer.ensureSlots(this.task.trainable);
        const { programs, seconds } = await compileAhead(run);
        this.log(`GPU programs compiled ahead: ${programs} in ${seconds.toFixed(2)} s`);
      }
      // A shape's first step runs plainly (the run's first also creates the optimizer state), its next two are
      // recorded (capture-slots.ts).
      this.#steps++;
      const { outs, recorded } = this.#slots.run(shape, inputs, run);
      const values = await (outs[0] as tf.Tensor).data();
      tf.dispose(outs);
      throwIfGpuError();
      const built = recorded ? this.#slots.build(shape) : null;
      if (built) {
        this.captures++;
        this.log(
          `GPU steps captured for batches of shape ${shape.split(',')[0]}: ${built.kernels} kernels in ${built.passes} compute passes replayed per step; ` +
            `its temporaries ${mb(built.temporaryBytes)} in ${mb(built.sharedTemporaryBytes)} of shared buffers`,
        );
      }
      return { result: Promise.resolve({ loss: values[0] ?? NaN, norm: values[1] ?? NaN }), replayed: false };
    } finally {
      tf.dispose(inputs);
    }
  }

  dispose(): void {
    if (this.#steps > 0) {
      // Compiling programs is much of a run's first steps: their count tells how many the run needed.
      const programs = Object.keys(webgpuBackend()?.pipelineCache ?? {}).length;
      this.log(
        `GPU steps: ${this.replayed} of ${this.#steps} replayed from ${this.captures} capture${this.captures === 1 ? '' : 's'}; ` +
          (this.forwards?.runs
            ? `evaluation batches: ${this.forwards.replayed} of ${this.forwards.runs} replayed; `
            : '') +
          `${programs} GPU programs compiled in this process`,
      );
    }
    this.#slots.dispose();
    this.forwards?.dispose();
  }
}
