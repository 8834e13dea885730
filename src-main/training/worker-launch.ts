import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { APP_ROOT } from '../app/package-info.ts';

/** The processes main starts: training runs and the playground's inference. */
const WORKERS = {
  training: 'src-main/training/worker.ts',
  inference: 'src-main/inference/worker.ts',
} as const;
export type WorkerKind = keyof typeof WORKERS;

/**
 * Starts a worker process. From sources (CLI, tests, web mode) it runs through tsx; a packaged app runs the
 * bundled dist/main/<kind>-worker.cjs (scripts/build-electron.mjs) under Electron's Node (ELECTRON_RUN_AS_NODE).
 */
export function launchWorker(env: NodeJS.ProcessEnv = {}, kind: WorkerKind = 'training'): ChildProcess {
  const bundled = path.join(APP_ROOT, `dist/main/${kind}-worker.cjs`);
  const useBundle = Boolean(process.versions.electron) && fs.existsSync(bundled);
  const script = useBundle ? bundled : path.join(APP_ROOT, 'bin/run-ts.mjs');
  const args = useBundle ? [] : [path.join(APP_ROOT, WORKERS[kind])];
  return fork(script, args, {
    cwd: APP_ROOT,
    env: { ...process.env, ...env, ...(useBundle ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
}
