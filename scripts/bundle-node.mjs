// esbuild for the GPU bundles (scripts/gpu-bundle.sh), with the method-folders plugin the CLI cannot load:
// node scripts/bundle-node.mjs [ENTRY.ts] --outfile=OUT [--sourcefile=NAME] (no ENTRY: the entry is read from stdin).
import fs from 'node:fs';
import { build } from 'esbuild';
import { nodeEsm } from './electron-build-config.mjs';

const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const entry = args.find((a) => !a.startsWith('--'));
await build({
  ...nodeEsm,
  outfile: opt('outfile'),
  ...(entry
    ? { entryPoints: [entry] }
    : {
        stdin: {
          contents: fs.readFileSync(0, 'utf8'),
          sourcefile: opt('sourcefile'),
          resolveDir: process.cwd(),
          loader: 'ts',
        },
      }),
});
