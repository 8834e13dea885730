/**
 * A few training steps of one method on a fixture model from one seed, for the same-seed tests: the adapter's
 * initialisation, the dropout masks and the batch all come from the seed, so two calls must give the same losses
 * and weights bit for bit. The batch is the fixture's reference inputs repeated to at least MIN_TOKENS rows of
 * tokens, the size at which tf.js's webgpu products of weight gradients switch to its split-K program (float
 * atomics, see src-main/engine/webgpu/deterministic-matmul.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { createAdapter } from '../../src-main/adapters/index.ts';
import type { TaskLabels } from '../../src-main/adapters/index.ts';
import { repeatInputs } from '../../src-main/adapters/compose/blocks.ts';
import { loadModel } from '../../src-main/models/index.ts';
import type { ModelInputs } from '../../src-main/models/index.ts';
import { AdamW } from '../../src-main/training/adamw.ts';
import { deviceStep } from '../../src-main/training/device-step.ts';
import { loadReference } from './reference.ts';

/** Rows x tokens of a text batch: more than tf.js's split-K threshold (2,000) on the inner dimension. */
export const MIN_TOKENS = 2048;
/** Image batches are the reference images repeated this many times. */
const IMAGE_REPEATS = 16;

export interface SameSeedRun {
  losses: number[];
  /** Every trained weight, by name, as its float32 bits. */
  weights: Map<string, Uint32Array>;
}

/** `steps` AdamW steps of `method` (seed `seed`) on the fixture in `dir`, dropout on; the loss is mean(logits²). */
export async function trainFromSeed(
  dir: string,
  method: MethodConfig,
  seed: number,
  steps = 3,
  extra: { tasks?: TaskLabels[]; inputs?: () => ModelInputs; minTokens?: number; numLabels?: number } = {},
): Promise<SameSeedRun> {
  const made = extra.inputs?.();
  const ref = made ? null : loadReference(dir);
  // A fresh model each time: full fine-tuning changes the base weights.
  const m = loadModel(dir);
  const ids = ref?.inputs.inputIds;
  const times = ids ? Math.ceil((extra.minTokens ?? MIN_TOKENS) / ids.size) : IMAGE_REPEATS;
  const inputs =
    made ?? (repeatInputs(ref?.inputs as Record<string, tf.Tensor | undefined>, times) as ModelInputs);
  const labels = extra.numLabels ?? m.config.labels.length;
  const adapter = createAdapter(m, method, seed, {
    ...(labels > 0 ? { numLabels: labels } : {}),
    ...(extra.tasks ? { tasks: extra.tasks } : {}),
  });
  const trainable = new Map<string, tf.Variable>(adapter.weights);
  for (const n of adapter.baseTrainable) trainable.set(n, m.params.get(n));
  const optimizer = new AdamW({ weightDecay: 0.01 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const dropoutSeed = tf.tensor1d([seed * 7919 + s], 'int32');
    const scalars = tf.tensor1d(optimizer.nextStep(1e-2));
    const loss = deviceStep({
      loss: () =>
        tf.tidy(
          () =>
            // As the training session scores it: through trainForward where the adapter has one (a layers router).
            (adapter.trainForward
              ? adapter.trainForward(m, inputs, { training: true, dropoutSeed })
              : m.forward(inputs, { hooks: adapter.hooks, training: true, dropoutSeed }).logits
            )
              .square()
              .mean() as tf.Scalar,
        ),
      trainable,
      optimizer,
      scalars,
      maxNorm: 1,
    });
    losses.push(...(await loss.data()));
    tf.dispose([loss, dropoutSeed, scalars]);
  }
  const weights = new Map<string, Uint32Array>();
  for (const [k, v] of trainable) weights.set(k, new Uint32Array((await v.data()).slice().buffer));
  optimizer.dispose();
  adapter.dispose();
  m.dispose();
  if (made || times > 1)
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
  ref?.dispose();
  return { losses, weights };
}

/** The names of weights whose bits differ between two runs (empty: the runs are the same). */
export function differingWeights(a: SameSeedRun, b: SameSeedRun): string[] {
  const out: string[] = [];
  for (const [k, w] of a.weights) {
    const other = b.weights.get(k);
    if (!other || other.length !== w.length || w.some((x, i) => x !== other[i])) out.push(k);
  }
  return out;
}
