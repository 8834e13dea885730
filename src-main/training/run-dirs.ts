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
