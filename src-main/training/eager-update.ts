/**
 * The end of an op-by-op optimizer step (the CPU and wasm loop, and webgpu steps that are not captured): average
 * the micro-batches' gradients, read the losses and the gradient norm in one transfer, then clip and update. With
 * mixed precision's loss scale (loss-scale.ts) the losses and gradients arrive scaled: they are divided by it, and
 * gradients that overflowed f16 update nothing (the caller records the skipped step).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamW } from './adamw.ts';
import { clipToNorm, globalNorm, scaleAll } from './gradients.ts';

export interface EagerUpdateArgs {
  /** Summed over the step's micro-batches; disposed here. */
  grads: Map<string, tf.Tensor>;
  /** One scalar per micro-batch; disposed here. */
  losses: tf.Tensor[];
  micro: number;
  /** The loss scale the step was made with; undefined in fp32. */
  usedScale: number | undefined;
  optimizer: AdamW;
  task: { trainable: ReadonlyMap<string, tf.Variable> };
  lr: number;
  gradClip: number;
}

/** A step's mean loss and gradient norm before clipping, as read back (unscaled). */
export interface StepOut {
  loss: number;
  norm: number;
}

/** Applies the step unless its loss is not finite; returns its mean loss and gradient norm, unscaled. */
export async function eagerUpdate(a: EagerUpdateArgs): Promise<StepOut> {
  const { micro, usedScale } = a;
  // Averaged over micro-batches; with a single one the gradients are used as they are (no copy).
  let averaged = a.grads;
  if (micro > 1) {
    averaged = new Map<string, tf.Tensor>();
    for (const [k, t] of a.grads) {
      averaged.set(
        k,
        tf.tidy(() => t.div(micro)),
      );
      t.dispose();
    }
  }
  const read = tf.tidy(() =>
    tf.concat([...a.losses.map((l) => l.reshape([1])), globalNorm(averaged).reshape([1])]),
  );
  const values = await read.data();
  tf.dispose([read, ...a.losses]);
  let lossSum = 0;
  for (let i = 0; i < micro; i++) lossSum += values[i] ?? NaN;
  const unscale = usedScale ?? 1;
  const loss = lossSum / micro / unscale;
  const norm = (values[micro] ?? NaN) / unscale;
  // A loss that is not finite ends the run (the caller); gradients that overflowed f16 skip the step.
  if (!Number.isFinite(loss) || (usedScale !== undefined && !Number.isFinite(norm))) {
    for (const t of averaged.values()) t.dispose();
    return { loss, norm };
  }
  const unscaled = usedScale === undefined ? averaged : scaleAll(averaged, 1 / usedScale);
  const clipped = clipToNorm(unscaled, norm, a.gradClip);
  a.optimizer.apply(a.task.trainable, clipped, a.lr);
  for (const c of clipped.values()) c.dispose();
  return { loss, norm };
}
