import { readModelWeightShapes } from '../node-shared/safetensors/index.ts';
import { resolveModelDir } from './default-model.ts';

/**
 * A base model's parameter count, the one number the Models page and every run show for it ("of 5.46 M"): the
 * scalars its weight files hold, each tied weight once (as transformers' `num_parameters()` counts the
 * checkpoint), read from the safetensors headers alone so main never loads gigabytes to count them. A run's
 * graph may differ from the checkpoint (a new classifier in place of a masked-LM head), so counting the graph
 * gave another number for the same base (5.45 M); trainable shares are taken of this one.
 */
export function modelParameterCount(folder: string): number {
  let n = 0;
  for (const [name, t] of readModelWeightShapes(resolveModelDir(folder)).tensors)
    if (!name.endsWith('num_batches_tracked')) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}
