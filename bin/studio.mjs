#!/usr/bin/env node
// The `studio` command line. It runs a bundle of the sources that bin/cli-bundle.mjs keeps up to date in .cache/cli/
// (rebuilt when a source changed, ~1.5 s), so a fresh clone needs no build step and no call pays for compiling
// TypeScript; without esbuild (a production install) it runs the sources through tsx. STUDIO_CLI_DEBUG=1 says
// which, and why, on stderr.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshCliBundle } from './cli-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const debug = process.env.STUDIO_CLI_DEBUG === '1';
const t0 = performance.now();
const bundle = freshCliBundle(root);
if (bundle.dir) {
  if (debug)
    console.error(
      `studio: ${bundle.built ? 'built' : 'using'} the CLI bundle ${bundle.dir} (${Math.round(performance.now() - t0)} ms)`,
    );
  // The bundle runs the CLI when it is loaded (scripts/bundle-cli.mjs).
  await import(pathToFileURL(path.join(bundle.dir, 'studio.mjs')).href);
} else {
  if (debug) console.error(`studio: running the sources through tsx: ${bundle.reason}`);
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src-main/cli/main.ts');
  await main(process.argv);
}
