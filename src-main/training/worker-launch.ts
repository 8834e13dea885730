import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { APP_ROOT } from '../app/package-info.ts';

/**
 * Starts the training process. From sources (CLI, tests, web mode) the worker runs through tsx; a packaged app
 * runs the bundled dist/main/training-worker.cjs under Electron's Node (ELECTRON_RUN_AS_NODE).
 */
export function launchWorker(env: NodeJS.ProcessEnv = {}): ChildProcess {
  const bundled = path.join(APP_ROOT, 'dist/main/training-worker.cjs');
  const useBundle = Boolean(process.versions.electron) && fs.existsSync(bundled);
  const script = useBundle ? bundled : path.join(APP_ROOT, 'bin/run-ts.mjs');
  const args = useBundle ? [] : [path.join(APP_ROOT, 'src-main/training/worker.ts')];
  return fork(script, args, {
    cwd: APP_ROOT,
    env: { ...process.env, ...env, ...(useBundle ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
}
