import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ROOT } from '../app/package-info.ts';
import { launchProcess } from './launcher.ts';
import type { WorkerProcess } from './launcher.ts';

/** The processes main starts: training runs, the engine process (inference/), the data process and the API's serving process (serving/). */
export const WORKERS = {
  training: 'src-main/training/worker.ts',
  inference: 'src-main/inference/worker.ts',
  data: 'src-main/data-worker/worker.ts',
  serving: 'src-main/serving/worker.ts',
} as const;
export type WorkerKind = keyof typeof WORKERS;

/**
 * The worker bundled beside this code, when this code itself runs as a Node bundle (scripts/bundle-node.mjs: the
 * GPU machine's `.gpu/studio.mjs`, which has no TypeScript loader): `<kind>-worker.mjs` in the same folder.
 * From sources (a .ts file) there is none.
 */
export function bundledWorkerBeside(kind: WorkerKind, selfUrl: string = import.meta.url): string | null {
  const self = fileURLToPath(selfUrl);
  if (self.endsWith('.ts')) return null;
  const file = path.join(path.dirname(self), `${kind}-worker.mjs`);
  return fs.existsSync(file) ? file : null;
}

/**
 * Starts a worker process (process/launcher.ts picks utilityProcess in Electron, fork elsewhere). From sources
 * (CLI, tests, web mode) it runs through tsx; a packaged app runs the bundled dist/main/<kind>-worker.cjs
 * (scripts/build-electron.mjs); a Node bundle of the CLI runs the worker bundled beside it.
 */
export function launchWorker(env: NodeJS.ProcessEnv = {}, kind: WorkerKind = 'training'): WorkerProcess {
  const packaged = path.join(APP_ROOT, `dist/main/${kind}-worker.cjs`);
  const bundled = process.versions.electron && fs.existsSync(packaged) ? packaged : bundledWorkerBeside(kind);
  return launchProcess({
    script: bundled ?? path.join(APP_ROOT, 'bin/run-ts.mjs'),
    args: bundled ? [] : [path.join(APP_ROOT, WORKERS[kind])],
    cwd: APP_ROOT,
    env: { ...process.env, ...env },
    name: `Adapter Studio ${kind}`,
  });
}
