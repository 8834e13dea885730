/**
 * The training loop's optimizer step on webgpu. tf.js spends most of a GPU step in per-kernel JavaScript, so the
 * step (device-step.ts: forward and backward of each micro-batch, clipping, AdamW; nothing read back) is recorded
 * on two real steps and replayed from then on (engine/webgpu/step-capture.ts): a BERT-small LoRA step 69 ms eager,
 * 10 ms replayed on an H200 (test/bench/RESULTS.md). The first step runs plainly (kernels compiled, optimizer
 * state created). A batch of another shape (the last, shorter batch of an epoch, or fewer micro-batches) or
 * anything else that makes the capture stale runs eagerly and the step is recorded again; a step that cannot be
 * captured at all runs eagerly for the rest of the run and says why once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CaptureRefused, CaptureStale, StepRecorder } from '../engine/webgpu/step-capture.ts';
import type { CapturedStep } from '../engine/webgpu/step-capture.ts';
import type { AdamW } from './adamw.ts';
import { deviceStep } from './device-step.ts';
import type { TrainTask } from './task.ts';

export class GpuSteps<B> {
  #recorder: StepRecorder | null = null;
  #captured: CapturedStep | null = null;
  #recordedShapes: string[] = [];
  #refused = false;
  /** Recordings tried since the last capture was built or reset. */
  #attempts = 0;
  #steps = 0;
  /** Steps replayed so far (for the run log and tests). */
  replayed = 0;

  constructor(
    readonly task: TrainTask<B> & Required<Pick<TrainTask<B>, 'dropoutSeed' | 'stepInputs'>>,
    readonly optimizer: AdamW,
    readonly opts: { dropout: boolean; gradClip: number; accumulation: number },
    readonly log: (message: string) => void,
  ) {}

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
   * One optimizer step on `batches` (its micro-batches: gradients averaged over them); returns the mean loss and
   * the gradient norm before clipping. A step of fewer micro-batches than the recorded one (an epoch's end) runs
   * op by op, like a batch of another shape.
   */
  async step(batches: readonly B[], step: number, lr: number): Promise<{ loss: number; norm: number }> {
    // Micro-batch m of step s draws the dropout masks of micro-step s·accumulation + m, as the CPU loop does.
    const seeds = batches.map((_, m) =>
      tf.tensor1d([this.task.dropoutSeed(step * this.opts.accumulation + m) | 0], 'int32'),
    );
    const scalars = tf.tensor1d(this.optimizer.nextStep(lr));
    const inputs = [...batches.flatMap((b) => this.task.stepInputs(b)), ...seeds, scalars];
    try {
      let adoptAfter = false;
      if (this.#captured) {
        try {
          const [out] = await this.#captured.replay(inputs, this.#state());
          this.replayed++;
          this.#steps++;
          return { loss: out?.[0] ?? NaN, norm: out?.[1] ?? NaN };
        } catch (err) {
          if (!(err instanceof CaptureStale)) throw err;
          // A batch of another shape runs op by op; the capture then takes the updated state back.
          if (err.kind === 'inputs') adoptAfter = true;
          else this.#reset();
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
          maxNorm: this.opts.gradClip,
        }),
      ];
      const record = !this.#refused && !adoptAfter && this.#steps > 0;
      this.#steps++;
      let outs: tf.Tensor[];
      if (record) {
        this.#recorder ??= new StepRecorder({ state: this.#state() });
        try {
          outs = this.#recorder.record(inputs, run);
          this.#recordedShapes.push(inputs.map((t) => t.shape.join('x')).join(','));
          this.#recordedShapes = this.#recordedShapes.slice(-2);
          this.#attempts++;
        } catch (err) {
          // Refused while recording (the step reads GPU data back): run op by op from now on.
          if (!(err instanceof CaptureRefused)) throw err;
          this.#refuse(err.message);
          outs = run();
        }
      } else outs = run();
      const values = await (outs[0] as tf.Tensor).data();
      tf.dispose(outs);
      if (adoptAfter) this.#captured?.adopt(this.#state());
      if (record && this.#recordedShapes.length === 2) this.#build();
      return { loss: values[0] ?? NaN, norm: values[1] ?? NaN };
    } finally {
      tf.dispose(inputs);
    }
  }

  #build(): void {
    const [a, b] = this.#recordedShapes;
    try {
      if (a !== b) throw new CaptureStale('batch shapes differ', 'inputs');
      this.#captured = (this.#recorder as StepRecorder).build();
      this.log(
        `GPU steps captured: ${this.#captured.kernels} kernels in ${this.#captured.passes} compute passes replayed per step`,
      );
      this.#recorder = null;
      this.#recordedShapes = [];
    } catch (err) {
      if (err instanceof CaptureStale) {
        this.#reset();
        return;
      }
      if (!(err instanceof CaptureRefused)) throw err;
      if (err.retry && this.#attempts < 4) return; // record the next step too and compare the last two
      this.#refuse(err.message);
    }
  }

  #refuse(why: string): void {
    this.#refused = true;
    this.log(`GPU steps run one kernel at a time (slower): ${why}`);
    this.#reset();
  }

  #reset(): void {
    this.#attempts = 0;
    this.#captured?.dispose();
    this.#captured = null;
    this.#recorder?.dispose();
    this.#recorder = null;
    this.#recordedShapes = [];
  }

  dispose(): void {
    if (this.#steps > 0) this.log(`GPU steps: ${this.replayed} of ${this.#steps} replayed from the capture`);
    this.#reset();
  }
}
