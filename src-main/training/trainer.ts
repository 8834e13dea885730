/**
 * The training loop: AdamW with warm-up and decay, gradient accumulation and clipping, evaluation every N steps
 * and at each epoch end, early stopping, best/last checkpoints, pause/cancel, and NaN/Inf detection. It knows
 * nothing of models or methods: a TrainTask supplies loss, batches and evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingProgress } from '../../src-shared/domain.ts';
import type { TrainOptions } from '../../src-shared/train-config.ts';
import { AdamW } from './adamw.ts';
import { GpuSteps } from './gpu-steps.ts';
import { accumulate, namedGradients } from './gradients.ts';
import { eagerUpdate } from './eager-update.ts';
import type { StepOut } from './eager-update.ts';
import { startPrecision, stopPrecision } from './loss-scale.ts';
import { learningRate } from './schedule.ts';
import { readFloats } from '../engine/read-back.ts';
import { LoopClock } from './loop-clock.ts';
import { permutation } from '../data/rng.ts';
import { evalStepsAt } from './eval-steps.ts';
import { isLowerBetter } from './task.ts';
import type { TrainTask } from './task.ts';

/** Where the loop stands; saved in every checkpoint so a resumed run continues exactly. */
export interface LoopPosition {
  step: number;
  epoch: number;
  /** Index of the next micro-batch within the epoch. */
  batchInEpoch: number;
  best: { metric: string; value: number; step: number } | null;
  evalsWithoutImprovement: number;
  /** Step of the last evaluation, so an epoch end that falls on an `evalEvery` step evaluates once. */
  lastEvalStep?: number;
  /** Training loss of the run's first step (the untrained weights): what the final loss is held against. */
  startLoss?: number;
}

export interface CheckpointState {
  position: LoopPosition;
  optimizer: Awaited<ReturnType<AdamW['exportState']>>;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
}

export interface TrainerHooks {
  onProgress?(p: TrainingProgress): void;
  onEval?(step: number, metrics: Record<string, number>): void;
  /** Persist a checkpoint; `kind` says whether it is the best so far or the latest. */
  onCheckpoint?(kind: 'checkpoint-best' | 'checkpoint-last', state: CheckpointState): Promise<void>;
  /** A line for the run log (e.g. how GPU steps run). */
  onLog?(message: string): void;
  /** Asked before every micro-batch: true once the user asked to pause. */
  isPaused?(): boolean;
  /**
   * Awaited once the loop has stopped for a pause (its position saved when at a step boundary); resolves when the
   * user resumes or cancels. `step` is the number of steps done.
   */
  waitWhilePaused?(step: number): Promise<void>;
  /** Asked before every micro-batch: true once the user asked to cancel. */
  isCancelled?(): boolean;
}

export type LoopResult =
  | {
      status: 'completed' | 'cancelled';
      position: LoopPosition;
      lastMetrics: Record<string, number>;
      /** Set when a run ends with its loss far above where it started (e.g. a learning rate far too high). */
      warning?: string;
    }
  | { status: 'diverged'; position: LoopPosition; message: string; lastMetrics: Record<string, number> };

/** A final loss above this multiple of the first step's loss means training made the model worse. */
export const LOSS_RISE_FACTOR = 2;

/** The warning a completed run deserves when its loss rose far above its start, else undefined. */
export function lossRiseWarning(
  startLoss: number | undefined,
  finalLoss: number | undefined,
): string | undefined {
  if (startLoss === undefined || finalLoss === undefined || !(startLoss > 0)) return undefined;
  if (!(finalLoss > LOSS_RISE_FACTOR * startLoss)) return undefined;
  const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3));
  return `loss rose from ${fmt(startLoss)} at the first step to ${fmt(finalLoss)}: the model got worse; lower the learning rate`;
}

/**
 * Lets queued events run. On wasm and cpu every await in a step resolves as a microtask, so without this the
 * worker's IPC messages (pause, cancel: macrotasks) would only be handled after the whole run.
 */
const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function planSteps(
  trainSize: number,
  o: TrainOptions,
): { microPerEpoch: number; stepsPerEpoch: number; totalSteps: number } {
  const microPerEpoch = Math.max(1, Math.ceil(trainSize / o.batchSize));
  const stepsPerEpoch = Math.ceil(microPerEpoch / o.gradAccumulation);
  const planned = Math.ceil(o.epochs * stepsPerEpoch);
  return { microPerEpoch, stepsPerEpoch, totalSteps: o.maxSteps ? Math.min(o.maxSteps, planned) : planned };
}

async function snapshotWeights(vars: ReadonlyMap<string, tf.Variable>): Promise<CheckpointState['weights']> {
  const entries = [...vars];
  const values = await readFloats(entries.map(([, v]) => v));
  const out: CheckpointState['weights'] = new Map();
  entries.forEach(([name, v], i) => out.set(name, { shape: v.shape, data: values[i] as Float32Array }));
  return out;
}

/** Restores trainable weights and optimizer state from a checkpoint. */
export function restoreCheckpoint(task: TrainTask<unknown>, optimizer: AdamW, state: CheckpointState): void {
  for (const [name, v] of task.trainable) {
    const w = state.weights.get(name);
    if (!w) throw new Error(`checkpoint has no weight ${name}`);
    tf.tidy(() => v.assign(tf.tensor(w.data, w.shape, 'float32')));
  }
  optimizer.importState(state.optimizer);
}

/** Validation splits at least this large report their evaluation's progress. */
export const EVAL_PROGRESS_MIN = 500;

/**
 * A progress callback for one evaluation: a log line at each tenth of a large validation split, so a long final
 * evaluation is seen to move (the CLI prints logs; the UI shows the run log).
 */
export function evalProgressLogger(log: ((message: string) => void) | undefined) {
  let next = 0.1;
  return (done: number, total: number): void => {
    if (!log || total < EVAL_PROGRESS_MIN || done / total < next) return;
    log(`evaluating: ${done} of ${total} validation examples`);
    next = Math.floor((done / total) * 10) / 10 + 0.1;
  };
}

export async function trainLoop<B>(
  task: TrainTask<B>,
  o: TrainOptions,
  hooks: TrainerHooks = {},
  resume?: CheckpointState,
): Promise<LoopResult> {
  const optimizer = new AdamW({ weightDecay: o.weightDecay });
  const { microPerEpoch, totalSteps } = planSteps(task.trainSize, o);
  const warmupSteps = Math.floor(o.warmupRatio * totalSteps);
  const evalSteps = evalStepsAt(o.evalAt ?? [], totalSteps);
  const pos: LoopPosition = resume
    ? structuredClone(resume.position)
    : { step: 0, epoch: 0, batchInEpoch: 0, best: null, evalsWithoutImprovement: 0 };
  if (resume) restoreCheckpoint(task as TrainTask<unknown>, optimizer, resume);
  // Mixed precision (f16 products) and its loss scale, or null: fp32.
  const scaler = startPrecision(o.precision ?? 'fp32', (m) => hooks.onLog?.(m));
  // On webgpu whole steps (all their micro-batches) are captured and replayed; elsewhere they run below, op by op.
  const gpu = GpuSteps.usable(task)
    ? new GpuSteps(
        task,
        optimizer,
        { dropout: o.dropout, gradClip: o.gradClip, accumulation: o.gradAccumulation },
        (m) => hooks.onLog?.(m),
      )
    : null;
  const stopMetric = o.earlyStopping?.metric;
  // Clipping is always on (gradClip is positive), so the advice is the learning rate.
  const diverged = (loss: number, step: number, what = 'loss'): LoopResult => ({
    status: 'diverged',
    position: pos,
    lastMetrics,
    message: `${what} became ${loss} at step ${step} although gradients are clipped to norm ${o.gradClip}${scaler ? ' (mixed precision: values past f16 range; try precision fp32)' : ''}; lower the learning rate`,
  });
  let lastMetrics: Record<string, number> = {};
  let lastTrainLoss: number | undefined;
  const completed = (): LoopResult => {
    const warning = lossRiseWarning(pos.startLoss, lastMetrics.loss ?? lastTrainLoss);
    return { status: 'completed', position: pos, lastMetrics, ...(warning ? { warning } : {}) };
  };
  const started = Date.now();
  const startStep = pos.step;
  const clock = new LoopClock();
  /** Time spent paused: not part of any step's duration nor of the ETA. */
  let pausedMs = 0;
  // On webgpu a replayed step's loss is read while the next step is made and launched, so the GPU does not wait
  // for the CPU between steps (STUDIO_GPU_PIPELINE=0 reads each step before the next). Its progress is reported,
  // and a non-finite loss caught, when it arrives: one step later. Whatever reads the weights or the position
  // (evaluations, checkpoints, a pause, a cancel, the end) settles it first.
  const pipelined = gpu !== null && process.env.STUDIO_GPU_PIPELINE !== '0';
  let lagged: { result: Promise<StepOut>; finish: (out: StepOut) => LoopResult | null } | null = null;
  const settle = async (): Promise<LoopResult | null> => {
    const l = lagged;
    if (!l) return null;
    lagged = null;
    return l.finish(await l.result);
  };

  const checkpoint = async (kind: 'checkpoint-best' | 'checkpoint-last') => {
    const save = hooks.onCheckpoint;
    if (!save) return;
    await clock.time('checkpoints', async () =>
      save(kind, {
        position: structuredClone(pos),
        optimizer: await optimizer.exportState(),
        weights: await snapshotWeights(task.trainable),
      }),
    );
  };

  /** Evaluates, records, updates early stopping; returns true when training should stop early. */
  const evaluate = async (): Promise<boolean> => {
    lastMetrics = await clock.time('evaluations', () =>
      task.evaluate(evalProgressLogger(hooks.onLog), gpu?.forwards),
    );
    pos.lastEvalStep = pos.step;
    hooks.onEval?.(pos.step, lastMetrics);
    const metric = stopMetric ?? 'loss';
    const value = lastMetrics[metric];
    if (value === undefined) return false;
    const better =
      pos.best === null || (isLowerBetter(metric) ? value < pos.best.value : value > pos.best.value);
    if (better) {
      pos.best = { metric, value, step: pos.step };
      pos.evalsWithoutImprovement = 0;
      await checkpoint('checkpoint-best');
    } else pos.evalsWithoutImprovement++;
    return o.earlyStopping !== undefined && pos.evalsWithoutImprovement >= o.earlyStopping.patience;
  };

  try {
    while (pos.step < totalSteps) {
      // Each epoch's order derives from (seed, epoch) alone, so a resumed run replays exactly the same batches.
      const order = permutation(task.trainSize, o.seed, pos.epoch);
      let grads = new Map<string, tf.Tensor>();
      let micro = 0;
      // Micro-batch losses stay on the device until the step ends: they are read back together with the gradient
      // norm, one sync per step (on a GPU every read-back drains the queue).
      let losses: tf.Tensor[] = [];
      // The GPU path's micro-batches of the current step, run together by gpu.launch.
      let pending: B[] = [];
      let units = 0;
      let stepStart = Date.now();
      /** The current step's own work (forward, backward, update), without making batches or waiting on a pause. */
      let stepWork = 0;
      while (pos.batchInEpoch < microPerEpoch && pos.step < totalSteps) {
        await yieldToEvents();
        if (hooks.isPaused?.() && !hooks.isCancelled?.()) {
          const pausedAt = Date.now();
          const failed = await settle();
          if (failed) return failed;
          // At a step boundary the position is saved: a paused run then survives closing the app.
          if (micro === 0) await checkpoint('checkpoint-last');
          await hooks.waitWhilePaused?.(pos.step);
          const waited = Date.now() - pausedAt;
          pausedMs += waited;
          stepStart += waited;
        }
        if (hooks.isCancelled?.()) {
          tf.dispose([...grads.values(), ...losses]);
          for (const b of pending) task.disposeBatch(b);
          const failed = await settle();
          if (failed) return failed;
          // Back to the step's first micro-batch: checkpoints hold whole steps, so a resume redoes this one.
          pos.batchInEpoch -= micro;
          await checkpoint('checkpoint-last');
          return { status: 'cancelled', position: pos, lastMetrics };
        }
        const idx = order.slice(pos.batchInEpoch * o.batchSize, (pos.batchInEpoch + 1) * o.batchSize);
        const batch = clock.timeSync('batches', () => task.makeBatch(idx, 'train'));
        const lr = learningRate(pos.step, { kind: o.schedule, baseLr: o.lr, totalSteps, warmupSteps });
        if (gpu) {
          pending.push(batch);
          units += task.batchUnits(batch);
        } else {
          const t0 = performance.now();
          try {
            const scale = scaler?.scale;
            const { value, grads: named } = namedGradients(() => {
              const l = task.loss(batch, {
                training: o.dropout,
                step: pos.step * o.gradAccumulation + micro,
              });
              return scale === undefined ? l : (l.mul(scale) as tf.Scalar);
            }, task.trainable);
            accumulate(grads, named);
            losses.push(value);
            units += task.batchUnits(batch);
          } finally {
            task.disposeBatch(batch);
            stepWork += performance.now() - t0;
          }
        }
        micro++;
        pos.batchInEpoch++;
        if (micro < o.gradAccumulation && pos.batchInEpoch < microPerEpoch) continue;

        let loss: number | null = null;
        let norm = NaN;
        // The loss scale this step is made with (mixed precision only).
        const usedScale = scaler?.scale;
        let launched: Promise<StepOut> | null = null;
        let replayed = false;
        const t = performance.now();
        if (gpu) {
          try {
            ({ result: launched, replayed } = await gpu.launch(pending, pos.step, lr, usedScale));
            // Handled here so that a read failing while unawaited (a run that stops first) is not a crash.
            launched.catch(() => undefined);
          } finally {
            for (const b of pending) task.disposeBatch(b);
            pending = [];
          }
        } else {
          const out = await eagerUpdate({
            grads,
            losses,
            micro,
            usedScale,
            optimizer,
            task,
            lr,
            gradClip: o.gradClip,
          });
          losses = [];
          ({ loss, norm } = out);
          if (!Number.isFinite(loss)) return diverged(loss, pos.step + 1);
        }
        grads = new Map();
        pos.step++;
        // This step's report, made when its loss is known (now, or one step later when pipelined).
        const report = { step: pos.step, epoch: pos.epoch + pos.batchInEpoch / microPerEpoch, lr, units };
        const finish = (out: StepOut, stepMs: number): LoopResult | null => {
          const value = out.loss;
          if (!Number.isFinite(value)) return diverged(value, report.step);
          if (scaler && usedScale !== undefined) {
            scaler.record(report.step, usedScale, Number.isFinite(out.norm));
            if (scaler.exhausted()) return diverged(out.norm, report.step, 'gradient norm');
          }
          pos.startLoss ??= value;
          lastTrainLoss = value;
          const elapsed = (Date.now() - started - pausedMs) / 1000;
          hooks.onProgress?.({
            ...report,
            totalSteps,
            loss: value,
            throughput: stepMs > 0 ? (report.units * 1000) / stepMs : 0,
            stepMs,
            etaSeconds: (elapsed / Math.max(1, report.step - startStep)) * (totalSteps - report.step),
          });
          return null;
        };
        let failed: LoopResult | null;
        if (launched) {
          // The previous step's loss is read now, while this one runs; this one's waits unless pipelined.
          failed = await settle();
          const stepMs = Date.now() - stepStart;
          lagged = { result: launched, finish: (value) => finish(value, stepMs) };
          if (!failed && !pipelined) failed = await settle();
        } else failed = finish({ loss: loss ?? NaN, norm }, Date.now() - stepStart);
        clock.step(stepWork + performance.now() - t, replayed);
        stepWork = 0;
        if (failed) return failed;
        micro = 0;
        units = 0;
        const due = (o.evalEvery > 0 && pos.step % o.evalEvery === 0) || evalSteps.has(pos.step);
        if (due && pos.step < totalSteps) {
          const failedHere = await settle();
          if (failedHere) return failedHere;
          if (await evaluate()) {
            await checkpoint('checkpoint-last');
            return completed();
          }
          await checkpoint('checkpoint-last');
        }
        // Started after the evaluation: its time is not the next step's (throughput would drop to ~0).
        stepStart = Date.now();
      }
      const epochEnded = pos.batchInEpoch >= microPerEpoch;
      if (epochEnded) {
        pos.epoch++;
        pos.batchInEpoch = 0;
      }
      const failed = await settle();
      if (failed) return failed;
      // An epoch that ends on an `evalEvery` step has just been evaluated and checkpointed.
      if (pos.lastEvalStep === pos.step) {
        if (epochEnded) clock.epochEnded();
        continue;
      }
      const stop = await evaluate();
      await checkpoint('checkpoint-last');
      if (epochEnded) clock.epochEnded();
      if (stop) break;
    }
    return completed();
  } finally {
    const padding = task.padding?.describe();
    if (padding && pos.step > startStep) hooks.onLog?.(padding);
    if (pos.step > startStep) hooks.onLog?.(clock.line());
    gpu?.dispose();
    optimizer.dispose();
    stopPrecision(scaler, (m) => hooks.onLog?.(m));
  }
}
