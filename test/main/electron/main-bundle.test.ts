import path from 'node:path';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { MAIN_ENTRY, common } from '../../../scripts/electron-build-config.mjs';
import { REPO_ROOT } from '../../helpers/fixtures.ts';

/**
 * What main's processes load (docs/PROCESSES.md): the Electron main bundle exactly as scripts/build-electron.mjs
 * builds it, and the service layer the web server and the CLI share. None may reach tf.js, the engine or a model
 * graph: those live in the training and engine processes.
 */
const ENTRIES = [
  MAIN_ENTRY,
  'src-main/services/handlers.ts',
  'src-main/services/context.ts',
  'src-main/server/web-server.ts',
];

/**
 * tf.js and its backends, the webgpu binary, the engine folder and every model graph (models/<arch>/ but its
 * spec.ts, the architecture's declaration as plain data, and the tokenizer files).
 */
const FORBIDDEN = [
  /(^|\/)node_modules\/@tensorflow\//,
  /^@tensorflow\//,
  /^webgpu$/,
  /^src-main\/engine\//,
  /^src-main\/models\/(?!tokenizer\/)[^/]+\/(?!spec\.ts$)/,
  /^src-main\/models\/index\.ts$/,
  // The adapters' tensor code; their schemas (zod, the method registry's configs) are plain data main validates with.
  /^src-main\/adapters\/(?!schemas\.ts$|[^/]+\/schema\.ts$)/,
];

async function metafile(entry: string): Promise<Metafile> {
  const result = await build({
    ...common,
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile: path.join(REPO_ROOT, 'dist/test-main-bundle.cjs'),
    write: false,
    metafile: true,
    sourcemap: false,
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Every module the bundle reads, and every import it leaves external (those load at run time all the same). */
function reached(meta: Metafile): string[] {
  const inputs = Object.keys(meta.inputs);
  const externals = Object.values(meta.inputs).flatMap((i) =>
    i.imports.filter((x) => x.external).map((x) => x.path),
  );
  return [...new Set([...inputs, ...externals])];
}

describe("main's bundles never load the engine", () => {
  it.each(ENTRIES)('%s reaches no tf.js, engine or model graph module', async (entry) => {
    const paths = reached(await metafile(entry));
    // The check sees the bundle: the entry and its services are there.
    expect(paths).toContain(entry);
    expect(paths.filter((p) => FORBIDDEN.some((re) => re.test(p)))).toEqual([]);
  });

  it('would see a forbidden module: the training worker reaches tf.js and the model graphs', async () => {
    const paths = reached(await metafile('src-main/training/worker.ts'));
    expect(paths.some((p) => /@tensorflow\/tfjs/.test(p))).toBe(true);
    expect(paths.some((p) => /^src-main\/models\/bert\//.test(p))).toBe(true);
    expect(paths.some((p) => /^src-main\/engine\//.test(p))).toBe(true);
  });
});
