import { methodFoldersPlugin } from './method-folders-plugin.mjs';

// The esbuild options of the Electron bundles, shared by scripts/build-electron.mjs and the test that checks what
// the main bundle contains (test/main/electron/main-bundle.test.ts).

/** Options every bundle shares. Native and heavy packages stay external. */
export const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: ['electron', 'better-sqlite3', '@tensorflow/*', 'webgpu', 'vite', 'tsx'],
  // Our sources are ESM and use import.meta.url; give the CommonJS bundle the equivalent.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [methodFoldersPlugin],
};

/** The Electron main process's entry: it must never reach tf.js or a model graph (docs/PROCESSES.md). */
export const MAIN_ENTRY = 'src-main/electron/main.ts';

/** The processes main starts, by kind (src-main/process/worker-launch.ts WORKERS; a test holds the two equal). */
export const WORKER_ENTRIES = {
  training: 'src-main/training/worker.ts',
  inference: 'src-main/inference/worker.ts',
  data: 'src-main/data-worker/worker.ts',
  serving: 'src-main/serving/worker.ts',
};

/**
 * Options of the plain-Node ESM bundles (scripts/bundle-cli.mjs, scripts/bundle-node.mjs): packages stay external,
 * and CommonJS files we inline (src-main/engine/tf-core-extras.cjs) get a `require` to reach them with.
 */
export const nodeEsm = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
  plugins: [methodFoldersPlugin],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
};
