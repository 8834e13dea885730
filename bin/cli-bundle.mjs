// The CLI and the workers it starts run as a Node bundle of the sources (scripts/bundle-cli.mjs) kept in the
// ignored folder .cache/cli/, so no TypeScript loader runs at start: through tsx each `studio` call and each worker
// spent about 2 s compiling before doing anything (issue #20). This module finds the bundle built from the sources
// as they are now, or builds one. It is plain ESM with no top-level await, so src-main/process/worker-launch.ts can
// require() it synchronously when it starts a worker from the sources (tests).
//
// Freshness: beside each bundle, inputs.json records the size and mtime of every file esbuild read (its metafile),
// of the build scripts and of the folders the method-folders plugin lists. Any difference (an edit, a file put back
// with an older mtime, a new method folder) means a rebuild; the check is ~500 stats, a few milliseconds.
//
// Atomicity: a build goes to tmp-<id>/, is renamed to b-<id>/ whole, and then `current` (a file naming the folder)
// is replaced by a rename. Readers only ever follow `current` to a complete folder; two builders at once each
// publish their own folder and the last rename wins, so neither can corrupt the other.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What a bundle depends on besides the modules it inlines: how it is built. */
export const BUILD_FILES = [
  'bin/cli-bundle.mjs',
  'scripts/bundle-cli.mjs',
  'scripts/electron-build-config.mjs',
  'scripts/method-folders-plugin.mjs',
  'tsconfig.json',
  'package.json',
];

/** The method-folders plugin turns this folder's listing into imports: a new method folder changes the bundle. */
const LISTED_DIR = 'src-main/adapters';

/**
 * A file changed this close to the build's start may have been read before or after the change (and coarse file
 * systems round mtimes to seconds), so its snapshot is left unmatched and the next call rebuilds.
 */
const RACE_MS = 2000;

/** Bundle folders other than the current one are removed this long after they were built. */
const KEEP_OLD_MS = 10 * 60 * 1000;

/** Where the bundles live: STUDIO_CLI_CACHE (tests point it elsewhere), else .cache/cli/ in the repository. */
export function cacheDir(root, env = process.env) {
  return env.STUDIO_CLI_CACHE ? path.resolve(env.STUDIO_CLI_CACHE) : path.join(root, '.cache', 'cli');
}

/** The folders whose listing the bundle depends on, relative to root. */
function listedDirs(root) {
  const dir = path.join(root, LISTED_DIR);
  if (!fs.existsSync(dir)) return [];
  const subdirs = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${LISTED_DIR}/${d.name}`);
  return [LISTED_DIR, ...subdirs];
}

/**
 * The inputs.json a build records: each input's [mtimeMs, size], or null for one changed after `startedMs - RACE_MS`
 * (never fresh). `files` are the metafile's inputs, relative to root.
 */
export function snapshotInputs(root, files, startedMs) {
  const entries = {};
  for (const rel of [...new Set([...files, ...BUILD_FILES, ...listedDirs(root)])].sort()) {
    const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (!st) continue;
    entries[rel] = st.mtimeMs > startedMs - RACE_MS ? null : [st.mtimeMs, st.size];
  }
  return { version: 1, inputs: entries };
}

/** True when every input of the bundle in `dir` is as it was built from, and no method folder came or went. */
export function bundleIsFresh(root, dir) {
  let recorded;
  let outputs;
  try {
    ({ inputs: recorded, outputs } = JSON.parse(fs.readFileSync(path.join(dir, 'inputs.json'), 'utf8')));
  } catch {
    return false;
  }
  if (!Array.isArray(outputs) || !outputs.includes('studio.mjs')) return false;
  for (const [rel, was] of Object.entries(recorded)) {
    if (!was) return false;
    const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (!st || st.mtimeMs !== was[0] || st.size !== was[1]) return false;
  }
  // A folder added under adapters/ changes adapters/'s own mtime, but check the listing too: it is cheap.
  return (
    listedDirs(root).every((d) => d in recorded) && outputs.every((f) => fs.existsSync(path.join(dir, f)))
  );
}

function currentDir(cache) {
  try {
    const name = fs.readFileSync(path.join(cache, 'current'), 'utf8').trim();
    return /^b-[\w-]+$/.test(name) ? path.join(cache, name) : null;
  } catch {
    return null;
  }
}

/** Removes bundle folders that are no longer current (and builds that died half-way) once they are old. */
function removeOld(cache, keep) {
  for (const name of fs.readdirSync(cache)) {
    if (name === keep || !/^(b|tmp)-/.test(name)) continue;
    const full = path.join(cache, name);
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > KEEP_OLD_MS) fs.rmSync(full, { recursive: true, force: true });
  }
}

function build(root, cache, env) {
  fs.mkdirSync(cache, { recursive: true });
  const id = `${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tmp = path.join(cache, `tmp-${id}`);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/bundle-cli.mjs'), tmp, '--inputs'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, NODE_OPTIONS: '' },
  });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Node prints where it threw first; the line that names the error says more (e.g. esbuild not installed).
    const lines = `${r.stderr ?? ''}\n${r.error?.message ?? ''}`.split('\n').filter((l) => l.trim());
    const why = lines.find((l) => /error/i.test(l) && !l.startsWith('node:')) ?? lines[0];
    return { reason: `the CLI bundle could not be built: ${why?.trim() ?? `exit ${r.status}`}` };
  }
  const final = path.join(cache, `b-${id}`);
  fs.renameSync(tmp, final);
  const pointer = path.join(cache, `current.tmp-${id}`);
  fs.writeFileSync(pointer, `b-${id}\n`);
  fs.renameSync(pointer, path.join(cache, 'current'));
  removeOld(cache, `b-${id}`);
  return { dir: final, built: true };
}

/**
 * The folder of a CLI bundle built from the sources under `root` as they are now — built first when there is none
 * or it is stale — as `{ dir, built }`; or `{ reason }` when there can be none (STUDIO_CLI_TSX=1, no esbuild in a
 * production install, a source that does not compile, a read-only folder): the caller then runs the sources through
 * tsx.
 */
export function freshCliBundle(root, env = process.env) {
  if (env.STUDIO_CLI_TSX === '1') return { reason: 'STUDIO_CLI_TSX=1' };
  const cache = cacheDir(root, env);
  try {
    const dir = currentDir(cache);
    if (dir && bundleIsFresh(root, dir)) return { dir, built: false };
    return build(root, cache, env);
  } catch (err) {
    return {
      reason: `the CLI bundle could not be used: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
