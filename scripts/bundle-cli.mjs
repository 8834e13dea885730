// Bundles the CLI and the workers it starts into one folder (our code inlined, packages external), so Node runs
// them with no TypeScript loader: node scripts/bundle-cli.mjs OUTDIR -> OUTDIR/studio.mjs, OUTDIR/<kind>-worker.mjs.
// The bundled CLI starts the workers beside it (src-main/process/worker-launch.ts bundledWorkerBeside). Used by
// scripts/gpu-bundle.sh for the GPU machine, which has Node but no tsx.
import path from 'node:path';
import { build } from 'esbuild';
import { WORKER_ENTRIES, nodeEsm } from './electron-build-config.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/bundle-cli.mjs OUTDIR');
  process.exit(2);
}
await build({
  ...nodeEsm,
  stdin: {
    contents: "import { main } from './src-main/cli/main.ts'; await main(process.argv);",
    sourcefile: 'studio-entry.ts',
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  outfile: path.join(out, 'studio.mjs'),
});
for (const [kind, entry] of Object.entries(WORKER_ENTRIES))
  await build({
    ...nodeEsm,
    entryPoints: [entry],
    outfile: path.join(out, `${kind}-worker.mjs`),
  });
