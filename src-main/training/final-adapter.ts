/**
 * The run's final adapter folder (training process), saved after the last step. It is written beside its place and
 * renamed in once complete: a full disk at that moment used to leave a partial `adapter/` folder that looked like a
 * finished one. Now the run fails with one line, nothing partial is left, and a resume saves it again.
 */
import { saveAdapter } from '../adapters/index.ts';
import type { AdapterInstance } from '../adapters/index.ts';
import type { BaseIdentity } from '../node-shared/adapter-folder.ts';
import type { Model } from '../models/base/types.ts';
import { writeFolderAtomically } from './checkpoint.ts';

/** saveAdapter into `dir`, all or nothing; returns the written files (in `dir`), the main weights file first. */
export function saveFinalAdapter(
  model: Model,
  adapter: AdapterInstance,
  config: Record<string, unknown>,
  dir: string,
  identity: BaseIdentity,
): Promise<string[]> {
  return writeFolderAtomically(dir, (tmp) => saveAdapter(model, adapter, config, tmp, identity));
}
