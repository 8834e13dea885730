import fs from 'node:fs';
import path from 'node:path';
import { APP_ROOT } from '../app/package-info.ts';
import { launchProcess } from './launcher.ts';
import type { WorkerProcess } from './launcher.ts';

/** The processes main starts: training runs, the engine process (inference/) and the data process. */
export const WORKERS = {
  training: 'src-main/training/worker.ts',
  inference: 'src-main/inference/worker.ts',
  data: 'src-main/data-worker/worker.ts',
} as const;
export type WorkerKind = keyof typeof WORKERS;

/**
 * Starts a worker process (process/launcher.ts picks utilityProcess in Electron, fork elsewhere). From sources
 * (CLI, tests, web mode) it runs through tsx; a packaged app runs the bundled dist/main/<kind>-worker.cjs
 * (scripts/build-electron.mjs).
 */
export function launchWorker(env: NodeJS.ProcessEnv = {}, kind: WorkerKind = 'training'): WorkerProcess {
  const bundled = path.join(APP_ROOT, `dist/main/${kind}-worker.cjs`);
  const useBundle = Boolean(process.versions.electron) && fs.existsSync(bundled);
  return launchProcess({
    script: useBundle ? bundled : path.join(APP_ROOT, 'bin/run-ts.mjs'),
    args: useBundle ? [] : [path.join(APP_ROOT, WORKERS[kind])],
    cwd: APP_ROOT,
    env: { ...process.env, ...env },
    name: `Adapter Studio ${kind}`,
  });
}
