/**
 * The training loop's optimizer step on webgpu. tf.js spends most of a GPU step in per-kernel JavaScript, so the
 * step (device-step.ts: forward and backward of each micro-batch, clipping, AdamW; nothing read back) is recorded
 * on two real steps and replayed from then on (engine/webgpu/step-capture.ts): a BERT-small LoRA step 69 ms eager,
 * 10 ms replayed on an H200 (test/bench/RESULTS.md). A shape's first step runs plainly (kernels compiled,
 * optimizer state created). A capture replays only batches of the shape it recorded, and batches come in a few shapes
 * (length buckets, length-buckets.ts; the last, shorter batch of an epoch; fewer micro-batches), so there is one
 * capture per shape, each recorded on two steps of its shape whatever ran in between: a recording compares
 * programs, not buffers, and a replay first takes the state from wherever the last step left it (adopt). A step
 * that cannot be captured at all runs eagerly for the rest of the run and says why once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CaptureRefused, CaptureStale, StepRecorder } from '../engine/webgpu/step-capture.ts';
import { webgpuBackend } from '../engine/webgpu/backend-internals.ts';
import { compileAhead, compileAheadEnabled } from '../engine/webgpu/compile-ahead.ts';
import type { CapturedStep } from '../engine/webgpu/step-capture.ts';
import type { AdamW } from './adamw.ts';
import { deviceStep } from './device-step.ts';
import { GpuForwards } from './gpu-forwards.ts';
import { MAX_CAPTURES } from './length-buckets.ts';
import type { TrainTask } from './task.ts';

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 24 ? 1 : 0)} MB`;

type Slot =
  | { kind: 'captured'; step: CapturedStep }
  | { kind: 'recording'; recorder: StepRecorder; attempts: number };

export class GpuSteps<B> {
  /** By the inputs' shapes, least recently used first. */
  #slots = new Map<string, Slot>();
  /** Shapes stepped at least once. */
  readonly #seen = new Set<string>();
  #refused = false;
  #steps = 0;
  /** Steps replayed so far (for the run log and tests). */
  replayed = 0;
  /** Captures built (a shape dropped and captured again counts again). */
  captures = 0;
  /** Shapes held at once; STUDIO_GPU_CAPTURES lowers it (less GPU memory, more steps recorded again). */
  readonly #maxShapes = Math.max(1, Math.floor(Number(process.env.STUDIO_GPU_CAPTURES) || MAX_CAPTURES));
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
  ): Promise<{ result: Promise<{ loss: number; norm: number }>; replayed: boolean }> {
    // Micro-batch m of step s draws the dropout masks of micro-step s·accumulation + m, as the CPU loop does.
    const seeds = batches.map((_, m) =>
      tf.tensor1d([this.task.dropoutSeed(step * this.opts.accumulation + m) | 0], 'int32'),
    );
    const scalars = tf.tensor1d(this.optimizer.nextStep(lr));
    const inputs = [...batches.flatMap((b) => this.task.stepInputs(b)), ...seeds, scalars];
    const shape = inputs.map((t) => `${t.dtype}:${t.shape.join('x')}`).join(',');
    try {
      const slot = this.#use(shape);
      if (slot?.kind === 'captured') {
        try {
          const { outputs } = await slot.step.launch(inputs, this.#state());
          this.replayed++;
          this.#steps++;
          const result = outputs.then(([out]) => ({ loss: out?.[0] ?? NaN, norm: out?.[1] ?? NaN }));
          return { result, replayed: true };
        } catch (err) {
          if (!(err instanceof CaptureStale)) throw err;
          // A tensor it reads is gone (a restored checkpoint, another shape's capture dropped): record it again.
          this.#drop(shape);
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
      // The run's first step compiles most of the run's GPU programs: in parallel, before it runs (compile-ahead.ts).
      if (this.#steps === 0 && compileAheadEnabled()) {
        this.optimizer.ensureSlots(this.task.trainable);
        const t = performance.now();
        const known = Object.keys(webgpuBackend()?.pipelineCache ?? {}).length;
        await compileAhead(run);
        const made = Object.keys(webgpuBackend()?.pipelineCache ?? {}).length - known;
        this.log(`GPU programs compiled ahead: ${made} in ${((performance.now() - t) / 1000).toFixed(2)} s`);
      }
      // A shape's first step runs plainly (its kernels compiled, its cached constants made; the run's first step
      // also creates the optimizer state), so a shape seen once (an epoch's last batch) holds no recording.
      const seen = this.#seen.has(shape);
      this.#seen.add(shape);
      const recording = !this.#refused && seen ? this.#recording(shape) : null;
      this.#steps++;
      let outs: tf.Tensor[];
      if (recording) {
        try {
          outs = recording.recorder.record(inputs, run);
          recording.attempts++;
        } catch (err) {
          // Refused while recording (the step reads GPU data back): run op by op from now on.
          if (!(err instanceof CaptureRefused)) throw err;
          this.#refuse(err.message);
          outs = run();
        }
      } else outs = run();
      const values = await (outs[0] as tf.Tensor).data();
      tf.dispose(outs);
      if (recording && !this.#refused && recording.attempts >= 2) this.#build(shape, recording);
      return { result: Promise.resolve({ loss: values[0] ?? NaN, norm: values[1] ?? NaN }), replayed: false };
    } finally {
      tf.dispose(inputs);
    }
  }

  /** The shape's slot, marked most recently used. */
  #use(shape: string): Slot | undefined {
    const slot = this.#slots.get(shape);
    if (slot) {
      this.#slots.delete(shape);
      this.#slots.set(shape, slot);
    }
    return slot;
  }

  /** The shape's recording in progress, started (dropping the least recently used shape if full) if none. */
  #recording(shape: string): Extract<Slot, { kind: 'recording' }> {
    const slot = this.#slots.get(shape);
    if (slot?.kind === 'recording') return slot;
    while (this.#slots.size >= this.#maxShapes) this.#drop(this.#slots.keys().next().value as string);
    const fresh = {
      kind: 'recording' as const,
      recorder: new StepRecorder({ state: this.#state() }),
      attempts: 0,
    };
    this.#slots.set(shape, fresh);
    return fresh;
  }

  #build(shape: string, slot: Extract<Slot, { kind: 'recording' }>): void {
    try {
      const step = slot.recorder.build();
      this.#slots.set(shape, { kind: 'captured', step });
      this.captures++;
      this.log(
        `GPU steps captured for batches of shape ${shape.split(',')[0]}: ${step.kernels} kernels in ${step.passes} compute passes replayed per step; ` +
          `its temporaries ${mb(step.temporaryBytes)} in ${mb(step.sharedTemporaryBytes)} of shared buffers`,
      );
    } catch (err) {
      if (!(err instanceof CaptureRefused)) throw err;
      if (err.retry && slot.attempts < 4) return; // record the next step of this shape too, compare the last two
      this.#refuse(err.message);
    }
  }

  #refuse(why: string): void {
    this.#refused = true;
    this.log(`GPU steps run one kernel at a time (slower): ${why}`);
    this.#reset();
  }

  #drop(shape: string): void {
    const slot = this.#slots.get(shape);
    this.#slots.delete(shape);
    if (slot?.kind === 'captured') slot.step.dispose();
    else slot?.recorder.dispose();
  }

  #reset(): void {
    for (const shape of [...this.#slots.keys()]) this.#drop(shape);
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
    this.#reset();
    this.forwards?.dispose();
  }
}
