import fs from 'node:fs';
import { createRequire } from 'node:module';
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
 * The worker bundled beside this code, when this code itself runs as a Node bundle (scripts/bundle-cli.mjs: the CLI
 * bin/studio.mjs runs from .cache/cli/, and the GPU machine's `.gpu/studio.mjs`, which has no TypeScript loader):
 * `<kind>-worker.mjs` in the same folder.
 * From sources (a .ts file) there is none.
 */
export function bundledWorkerBeside(kind: WorkerKind, selfUrl: string = import.meta.url): string | null {
  const self = fileURLToPath(selfUrl);
  if (self.endsWith('.ts')) return null;
  const file = path.join(path.dirname(self), `${kind}-worker.mjs`);
  return fs.existsSync(file) ? file : null;
}

/** bin/cli-bundle.mjs's answer: a bundle folder built from the sources as they are now, or why there is none. */
type FreshCliBundle = (root: string) => { dir?: string; reason?: string };

/**
 * The worker of the CLI bundle cached in .cache/cli/ (bin/cli-bundle.mjs), built from the sources as they are now
 * (first rebuilt if a source changed): what code running from the sources (tests, the tsx fallback) starts instead
 * of `bin/run-ts.mjs`, whose tsx compiled the worker's ~400 modules for about 2 s at every start. Null where no
 * bundle can be built (no esbuild: a production install) or STUDIO_CLI_TSX=1 asks for the sources.
 */
function cachedBundleWorker(kind: WorkerKind): string | null {
  const helper = path.join(APP_ROOT, 'bin/cli-bundle.mjs');
  if (!fs.existsSync(helper) || !fs.existsSync(path.join(APP_ROOT, WORKERS[kind]))) return null;
  // A plain ESM module without top-level await, so require() loads it synchronously (Node >= 20.19).
  const { freshCliBundle } = createRequire(import.meta.url)(helper) as { freshCliBundle: FreshCliBundle };
  const { dir } = freshCliBundle(APP_ROOT);
  return dir ? path.join(dir, `${kind}-worker.mjs`) : null;
}

/**
 * Starts a worker process (process/launcher.ts picks utilityProcess in Electron, fork elsewhere). The Electron app
 * runs the bundled dist/main/<kind>-worker.cjs (scripts/build-electron.mjs); a Node bundle of the CLI runs the
 * worker bundled beside it; from sources (tests) it runs the cached bundle's worker, and through tsx where there is
 * none.
 */
export function launchWorker(env: NodeJS.ProcessEnv = {}, kind: WorkerKind = 'training'): WorkerProcess {
  const packaged = path.join(APP_ROOT, `dist/main/${kind}-worker.cjs`);
  const bundled = process.versions.electron
    ? fs.existsSync(packaged)
      ? packaged
      : null
    : (bundledWorkerBeside(kind) ?? cachedBundleWorker(kind));
  return launchProcess({
    script: bundled ?? path.join(APP_ROOT, 'bin/run-ts.mjs'),
    args: bundled ? [] : [path.join(APP_ROOT, WORKERS[kind])],
    cwd: APP_ROOT,
    env: { ...process.env, ...env },
    name: `Adapter Studio ${kind}`,
  });
}
