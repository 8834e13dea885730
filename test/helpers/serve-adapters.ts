/**
 * Adapter folders for the serving tests and the bench: adapters created on a model with random weights (so each
 * one really changes the output) and saved as the studio saves a run's adapter, labels included.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { baseIdentity, createAdapter, saveAdapter } from '../../src-main/adapters/index.ts';
import type { Model } from '../../src-main/models/index.ts';

export async function makeAdapterFolder(
  model: Model,
  dir: string,
  config: MethodConfig,
  labels: string[],
  seed: number,
): Promise<string> {
  const a = createAdapter(model, config, seed, { numLabels: labels.length });
  for (const [name, w] of a.weights) {
    const fresh = tf.tidy(() =>
      name.endsWith('.ia3')
        ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed)
        : tf.randomNormal(w.shape, 0, 0.2, 'float32', seed + 1),
    );
    w.assign(fresh);
    fresh.dispose();
  }
  await saveAdapter(model, a, { ...config, task: 'classification', labels }, dir, baseIdentity(model));
  a.dispose();
  return path.resolve(dir);
}
