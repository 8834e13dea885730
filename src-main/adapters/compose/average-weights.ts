/**
 * Average of weights (AdapterHub's `average_adapter` with its linear strategy): same-shaped adapters of one method
 * become one adapter whose every tensor is the weighted mean of theirs. Unlike the average of outputs it costs one
 * adapter at inference; it equals the average of outputs only where the adapter is linear in its weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { averageWeights } from '../../../src-shared/compose.ts';
import type { ComposeBlock, ComposeSource } from '../../../src-shared/compose.ts';
import { UserError } from '../../errors.ts';
import type { Model } from '../../models/base/types.ts';
import { getMethod, parseMethodConfig } from '../base/registry.ts';
import type { AdapterInstance } from '../base/types.ts';

const shapeKey = (a: AdapterInstance) =>
  [...a.weights]
    .map(([n, v]) => `${n}:${v.shape.join('x')}`)
    .sort()
    .join(',');

export function averagedAdapter(
  model: Model,
  block: Extract<ComposeBlock, { block: 'average' }>,
  sources: readonly ComposeSource[],
  instances: readonly AdapterInstance[],
): AdapterInstance {
  const picked = block.children.map((c) => {
    if (c.block !== 'adapter') throw new UserError('average of weights: every child must be one adapter');
    return c.source;
  });
  const adapters = picked.map((i) => instances[i] as AdapterInstance);
  const first = adapters[0] as AdapterInstance;
  const firstSource = sources[picked[0] as number] as ComposeSource;
  if (adapters.some((a) => a.method !== first.method || a.exportWeights))
    throw new UserError('average of weights: the adapters must be of one method that saves what it trains');
  if (adapters.some((a) => shapeKey(a) !== shapeKey(first)))
    throw new UserError('average of weights: the adapters differ in shape; average their outputs instead');
  const w = averageWeights(block);
  const mean = new Map<string, tf.Tensor>();
  for (const name of first.weights.keys())
    mean.set(
      name,
      tf.tidy(() =>
        tf.addN(adapters.map((a, i) => (a.weights.get(name) as tf.Variable).mul(w[i] as number))),
      ),
    );
  try {
    const config = parseMethodConfig(firstSource.method, firstSource.config, { ignoreOtherKeys: true });
    return getMethod(config.type).fromWeights(model, config, mean);
  } finally {
    tf.dispose([...mean.values()]);
  }
}
