/**
 * A multi-task adapter in the playground: one column per task (each through that task's hooks and head, with its
 * own labels), or only the picked task's when the request names one.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LabelScore, PredictionColumn } from '../../src-shared/library.ts';
import type { MultiTaskAdapter } from '../adapters/multitask/index.ts';
import type { Model, ModelInputs } from '../models/index.ts';

export async function taskColumns(
  model: Model,
  inputs: ModelInputs,
  adapter: MultiTaskAdapter,
  a: { key: string; title: string },
  k: number,
  applyMs: number,
  top: (logits: tf.Tensor, labels: readonly string[], k: number) => Promise<LabelScore[]>,
  task?: string,
): Promise<PredictionColumn[]> {
  // A name the adapter does not have is refused (UserError) before anything runs.
  const picked = task === undefined ? adapter.tasks.map((_, i) => i) : [adapter.taskIndex(task)];
  const cols: PredictionColumn[] = [];
  for (const t of picked) {
    const t0 = performance.now();
    const logits = tf.tidy(() => model.forward(inputs, { hooks: adapter.hooksFor(t) }).logits);
    // The forward time includes the read-back, as a user waits for it (asynchronous: a GPU backend has no other).
    await logits.data();
    const forwardMs = performance.now() - t0;
    const own = adapter.tasks[t] as { name: string; labels: string[] };
    const scores = await top(logits, own.labels, k).finally(() => logits.dispose());
    cols.push({
      key: `${a.key}/${own.name}`,
      title: `${a.title}: ${own.name}`,
      top: scores,
      note: null,
      applyMs,
      forwardMs,
      removeMs: null,
    });
  }
  const t1 = performance.now();
  adapter.dispose();
  const removeMs = performance.now() - t1;
  return cols.map((c) => ({ ...c, removeMs }));
}
