import type { ForwardHooks } from '../models/base/hooks.ts';
import type { Model } from '../models/base/types.ts';
import { loadAdapter } from './io.ts';

/**
 * Runs `fn` with the adapter in `dir` attached (or none), then detaches it; the model is left as it was.
 * Warnings (e.g. unknown PEFT config keys) go to stderr.
 */
export async function withAdapter<T>(
  model: Model,
  dir: string | undefined,
  fn: (hooks: ForwardHooks) => T | Promise<T>,
): Promise<T> {
  if (!dir) return fn({});
  const adapter = loadAdapter(model, dir, { warn: (w) => process.stderr.write(`warning: ${w}\n`) });
  try {
    // Awaited here: an asynchronous fn (one that reads its outputs back) still uses the adapter until it settles.
    return await fn(adapter.hooks);
  } finally {
    adapter.dispose();
  }
}
