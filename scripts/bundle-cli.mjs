// Bundles the CLI and the workers it starts into one folder (our code inlined, packages external), so Node runs
// them with no TypeScript loader: node scripts/bundle-cli.mjs OUTDIR [--inputs] -> OUTDIR/studio.mjs,
// OUTDIR/<kind>-worker.mjs. The bundled CLI starts the workers beside it (src-main/process/worker-launch.ts
// bundledWorkerBeside). bin/studio.mjs runs such a bundle from .cache/cli/ (bin/cli-bundle.mjs), for which
// --inputs records what the bundle was built from (OUTDIR/inputs.json); scripts/gpu-bundle.sh makes one for the GPU
// machine, which has Node but no tsx. OUTDIR must be inside the repository so the bundles find node_modules.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { snapshotInputs } from '../bin/cli-bundle.mjs';
import { WORKER_ENTRIES, nodeEsm } from './electron-build-config.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/bundle-cli.mjs OUTDIR [--inputs]');
  process.exit(2);
}
const startedMs = Date.now();
const inputs = new Set();
const record = (result) => Object.keys(result.metafile.inputs).forEach((f) => inputs.add(f));
record(
  await build({
    ...nodeEsm,
    metafile: true,
    stdin: {
      contents: "import { main } from './src-main/cli/main.ts'; await main(process.argv);",
      sourcefile: 'studio-entry.ts',
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    outfile: path.join(out, 'studio.mjs'),
  }),
);
for (const [kind, entry] of Object.entries(WORKER_ENTRIES))
  record(
    await build({
      ...nodeEsm,
      metafile: true,
      entryPoints: [entry],
      outfile: path.join(out, `${kind}-worker.mjs`),
    }),
  );
if (process.argv.includes('--inputs')) {
  // Metafile paths are relative to the working directory; the stdin entry has no file.
  const files = [...inputs].filter((f) => fs.existsSync(f)).map((f) => path.relative(process.cwd(), f));
  const snapshot = snapshotInputs(process.cwd(), files, startedMs);
  // The files written, so a reader can tell the folder is whole (written last, after every bundle).
  const outputs = ['studio.mjs', ...Object.keys(WORKER_ENTRIES).map((kind) => `${kind}-worker.mjs`)];
  fs.writeFileSync(path.join(out, 'inputs.json'), `${JSON.stringify({ ...snapshot, outputs }, null, 1)}\n`);
}
