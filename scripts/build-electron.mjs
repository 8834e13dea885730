// Bundles the Electron main process and preload (TypeScript -> CommonJS). Native and heavy packages stay external.
import { build } from 'esbuild';
import { methodFoldersPlugin } from './method-folders-plugin.mjs';

const common = {
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

await build({
  ...common,
  entryPoints: ['src-main/electron/main.ts'],
  outfile: 'dist/main/electron-entry.cjs',
});
// The sandboxed preload may only require 'electron': everything else is bundled in.
await build({ ...common, entryPoints: ['src-main/electron/preload.ts'], outfile: 'dist/main/preload.cjs' });
// The training and inference processes main forks (src-main/training/worker-launch.ts).
for (const kind of ['training', 'inference'])
  await build({
    ...common,
    entryPoints: [`src-main/${kind}/worker.ts`],
    outfile: `dist/main/${kind}-worker.cjs`,
  });
console.log('built dist/main/electron-entry.cjs, preload.cjs, training-worker.cjs and inference-worker.cjs');
