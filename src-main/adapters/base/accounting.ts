import type { Model } from '../../models/base/types.ts';
import type { AdapterInstance } from './types.ts';

export interface ParamAccount {
  /** Scalars the run trains (adapter weights, task head, and base weights for `full`). */
  trainable: number;
  /** Scalars of the base model (tied weights once). */
  total: number;
  /** trainable / total, as a percentage. */
  percent: number;
}

export function accountParams(model: Model, adapter: AdapterInstance): ParamAccount {
  let trainable = 0;
  for (const w of adapter.weights.values()) trainable += w.size;
  for (const name of adapter.baseTrainable) trainable += model.params.get(name).size;
  const total = model.params.count();
  return { trainable, total, percent: (100 * trainable) / total };
}
