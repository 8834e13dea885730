/** Adapters: every method registered, plus creation, saving and loading. */
import './methods.ts';
import type { MethodConfig } from '../../src-shared/train-config.ts';
import type { Model } from '../models/base/types.ts';
import { createFor } from './base/registry.ts';
import type { AdapterInstance, CreateOptions } from './base/types.ts';

export { accountParams } from './base/accounting.ts';
export type { ParamAccount } from './base/accounting.ts';
export type { AdapterInstance, TaskLabels } from './base/types.ts';
export { baseIdentity, loadAdapter, readAdapterFolder, saveAdapter } from './io.ts';
export { parseMethodConfig, registeredMethods } from './base/registry.ts';

/** A fresh adapter for a train config's `method` block. */
export function createAdapter(
  model: Model,
  method: MethodConfig,
  seed: number,
  opts: CreateOptions = {},
): AdapterInstance {
  return createFor(model, method, seed, opts);
}
