// Bundles the Electron main process and preload (TypeScript -> CommonJS). Native and heavy packages stay external.
import { build } from 'esbuild';
import { MAIN_ENTRY, common } from './electron-build-config.mjs';

await build({
  ...common,
  entryPoints: [MAIN_ENTRY],
  outfile: 'dist/main/electron-entry.cjs',
});
// The sandboxed preload may only require 'electron': everything else is bundled in.
await build({ ...common, entryPoints: ['src-main/electron/preload.ts'], outfile: 'dist/main/preload.cjs' });
// The processes main starts (src-main/process/worker-launch.ts WORKERS).
const WORKERS = {
  training: 'src-main/training/worker.ts',
  inference: 'src-main/inference/worker.ts',
  data: 'src-main/data-worker/worker.ts',
};
for (const [kind, entry] of Object.entries(WORKERS))
  await build({ ...common, entryPoints: [entry], outfile: `dist/main/${kind}-worker.cjs` });
console.log('built dist/main/electron-entry.cjs, preload.cjs and the training, inference and data workers');
