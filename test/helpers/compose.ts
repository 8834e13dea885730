import * as tf from '@tensorflow/tfjs-core';
import type { ComposeBlock } from '../../src-shared/compose.ts';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import { baseIdentity, createAdapter, saveAdapter } from '../../src-main/adapters/index.ts';
import { describeSourceFolder } from '../../src-main/adapters/compose/sources.ts';
import type { Model } from '../../src-main/models/index.ts';

/**
 * A library adapter as training would leave it: created, every weight moved off its initial value by seeded noise
 * (so it is no longer the identity), saved to `dir` with its labels. Returns `dir`.
 */
export async function trainedLookingAdapter(
  model: Model,
  method: MethodConfig,
  seed: number,
  dir: string,
  labels?: string[],
): Promise<string> {
  const adapter = createAdapter(model, method, seed, labels ? { numLabels: labels.length } : {});
  let s = seed * 101;
  for (const v of adapter.weights.values())
    v.assign(tf.tidy(() => v.add(tf.randomNormal(v.shape, 0, 0.2, 'float32', s++))));
  const { type: _t, ...config } = method;
  await saveAdapter(
    model,
    adapter,
    { ...config, task: 'classification', labels: labels ?? model.config.labels },
    dir,
    baseIdentity(model),
  );
  adapter.dispose();
  return dir;
}

/** A compose method config over adapter folders. */
export const composeConfig = (block: ComposeBlock, dirs: string[]): MethodConfig => ({
  type: 'compose',
  block,
  sources: dirs.map((dir) => ({ ...describeSourceFolder(dir), dir })),
});

export const leaf = (source: number): ComposeBlock => ({ block: 'adapter', source });
