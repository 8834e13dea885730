/**
 * A continual run's stage adapters (training process, or the CLI's own batch process): each stage's adapter and
 * head, saved as the stage finishes training, so the sequence's adapters can later be fused (AdapterFusion over
 * the tasks' adapters, started from the Continual page or `studio continual-fuse`) or tried like a run's.
 */
import path from 'node:path';
import type { AdapterInstance } from '../adapters/index.ts';
import type { Model } from '../models/base/types.ts';
import type { BaseIdentity } from '../node-shared/adapter-folder.ts';
import { fileSha256 } from '../node-shared/hash-file.ts';
import type { ContinualConfig } from '../../src-shared/train-config.ts';
import { adapterDiskBytes } from './adapter-bytes.ts';
import { saveFinalAdapter } from './final-adapter.ts';
import { stageAdapterDir } from './run-dirs.ts';

export { STAGE_ADAPTER } from './run-dirs.ts';

export interface SavedStageAdapter {
  /** Relative to the project folder. */
  path: string;
  sha256: string;
  bytes: number;
}

/** Saves one stage's adapter (all or nothing) with its labels, as a run's final adapter is saved. */
export async function saveStageAdapter(
  model: Model,
  config: ContinualConfig,
  stage: { index: number; adapter: AdapterInstance; labels: readonly string[]; lm: boolean },
  where: { projectDir: string; runId: number },
  identity: BaseIdentity,
): Promise<SavedStageAdapter> {
  const rel = stageAdapterDir(where.runId, stage.index);
  const { type: _type, ...methodConfig } = config.method;
  const files = await saveFinalAdapter(
    model,
    stage.adapter,
    { ...methodConfig, labels: [...stage.labels], task: stage.lm ? 'causal-lm' : 'classification' },
    path.join(where.projectDir, rel),
    identity,
  );
  return {
    path: rel,
    sha256: await fileSha256(files[0] as string),
    bytes: adapterDiskBytes(files),
  };
}
