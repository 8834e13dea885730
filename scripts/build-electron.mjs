// Bundles the Electron main process and preload (TypeScript -> CommonJS). Native and heavy packages stay external.
import { build } from 'esbuild';
import { MAIN_ENTRY, WORKER_ENTRIES, common } from './electron-build-config.mjs';

await build({
  ...common,
  entryPoints: [MAIN_ENTRY],
  outfile: 'dist/main/electron-entry.cjs',
});
// The sandboxed preload may only require 'electron': everything else is bundled in.
await build({ ...common, entryPoints: ['src-main/electron/preload.ts'], outfile: 'dist/main/preload.cjs' });
for (const [kind, entry] of Object.entries(WORKER_ENTRIES))
  await build({ ...common, entryPoints: [entry], outfile: `dist/main/${kind}-worker.cjs` });
console.log(
  'built dist/main/electron-entry.cjs, preload.cjs and the training, inference, data and serving workers',
);
