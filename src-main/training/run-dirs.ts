import path from 'node:path';
import { ARTIFACTS_DIR } from '../app/paths.ts';

/** Where a run's files live, relative to the project folder (so a moved project keeps working). */
export const runDirs = (runId: number) => {
  const root = path.join(ARTIFACTS_DIR, `run-${runId}`);
  return {
    root,
    last: path.join(root, 'checkpoint-last'),
    best: path.join(root, 'checkpoint-best'),
    adapter: path.join(root, 'adapter'),
  };
};

/** The artifact kind of a continual run's stage adapter (its meta names the task): stage-adapter.ts saves it. */
export const STAGE_ADAPTER = 'stage-adapter';

/** Where stage `index` (from 0) of continual run `runId` keeps its adapter, relative to the project folder. */
export const stageAdapterDir = (runId: number, index: number): string =>
  path.join(runDirs(runId).root, `stage-${index + 1}`, 'adapter');
