/**
 * bin/studio.mjs runs a bundle of the sources cached in .cache/cli/ (bin/cli-bundle.mjs). These tests work on a
 * copy of the sources (node_modules linked), so they can edit a source and show that the CLI never runs a stale
 * bundle, that parallel first calls each get a complete one, and that without esbuild it falls back to tsx.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWorker } from '../../../src-main/process/worker-launch.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-cli-bundle-');
const app = path.join(tmp.dir, 'app');
const cache = path.join(app, '.cache/cli');
const mainTs = path.join(app, 'src-main/cli/main.ts');
const DESCRIPTION = 'Adapter Studio: adapter-based parameter-efficient fine-tuning';
const env = {
  ...process.env,
  STUDIO_CLI_DEBUG: '1',
  STUDIO_HOME: path.join(tmp.dir, 'home'),
  NODE_OPTIONS: '',
};

interface Call {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `studio --help` from the copy, as a shell would run it; resolves when it exits. */
function help(extraEnv: Record<string, string> = {}): Promise<Call> {
  const child = spawn(process.execPath, [path.join(app, 'bin/studio.mjs'), '--help'], {
    cwd: tmp.dir,
    env: { ...env, ...extraEnv },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}

/** The bundle folder a call ran, from its STUDIO_CLI_DEBUG line, and whether it built it. */
function ran(call: Call): { built: boolean; dir: string } {
  expect(call.status, call.stderr).toBe(0);
  const m = /studio: (built|using) the CLI bundle (\S+)/.exec(call.stderr);
  expect(m, call.stderr).not.toBeNull();
  return { built: m?.[1] === 'built', dir: m?.[2] ?? '' };
}

/** Edits main.ts's description; `mtime` sets its modification time afterwards (an editor or `cp -p` may). */
function editDescription(to: string, mtime?: Date): void {
  const src = fs.readFileSync(mainTs, 'utf8');
  fs.writeFileSync(mainTs, src.replace(/'Adapter Studio: [^']*'/, `'${to}'`));
  if (mtime) fs.utimesSync(mainTs, mtime, mtime);
}

beforeAll(() => {
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  for (const name of ['bin', 'scripts', 'src-main', 'src-shared'])
    fs.cpSync(path.join(REPO_ROOT, name), path.join(app, name), { recursive: true });
  for (const name of ['package.json', 'tsconfig.json'])
    fs.copyFileSync(path.join(REPO_ROOT, name), path.join(app, name));
  // Every package linked one by one, so the last test can take esbuild away without touching the repository's.
  for (const name of fs.readdirSync(path.join(REPO_ROOT, 'node_modules')))
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(app, 'node_modules', name));
  // The copy's files must be older than any build, as a checkout's are (a file changed during a build is distrusted).
  const past = new Date(Date.now() - 60_000);
  for (const entry of fs.readdirSync(app, { recursive: true, withFileTypes: true }))
    if (!entry.isSymbolicLink()) fs.utimesSync(path.join(entry.parentPath, entry.name), past, past);
});
afterAll(() => tmp.cleanup());

describe('bin/studio.mjs runs a bundle of the sources as they are now', () => {
  it('parallel first calls each run a complete bundle; the next call reuses it without building', async () => {
    const first = await Promise.all([help(), help()]);
    // Both usually build (neither finds a bundle); on a loaded machine the second may start after the first published.
    expect(first.some((call) => ran(call).built)).toBe(true);
    for (const call of first) expect(call.stdout).toContain(DESCRIPTION);
    const current = path.join(cache, fs.readFileSync(path.join(cache, 'current'), 'utf8').trim());
    expect(first.map((c) => ran(c).dir)).toContain(current);
    // Each builder renamed its own folder into place: none is left half-written.
    expect(fs.readdirSync(cache).filter((n) => n.startsWith('tmp-'))).toEqual([]);
    const again = await help();
    expect(ran(again)).toEqual({ built: false, dir: current });
    expect(again.stdout).toContain(DESCRIPTION);
  }, 120_000);

  it('rebuilds after a source is edited, also when the edit keeps its size and carries an older mtime', async () => {
    editDescription('Adapter Studio: edited once');
    const edited = await help();
    expect(ran(edited).built).toBe(true);
    expect(edited.stdout).toContain('Adapter Studio: edited once');

    // Same length as before, dated an hour back: a newest-mtime check would call the bundle fresh.
    editDescription('Adapter Studio: EDITED ONCE', new Date(Date.now() - 3_600_000));
    const sameSize = await help();
    expect(ran(sameSize).built).toBe(true);
    expect(sameSize.stdout).toContain('Adapter Studio: EDITED ONCE');
    expect(ran(await help()).built).toBe(false);
  }, 120_000);

  it('rebuilds when a method folder appears (the bundle lists them at build time)', async () => {
    fs.mkdirSync(path.join(app, 'src-main/adapters/zz-new-method'));
    expect(ran(await help()).built).toBe(true);
  }, 120_000);

  it('rebuilds when a file of the bundle folder is gone', async () => {
    const current = ran(await help()).dir;
    fs.unlinkSync(path.join(current, 'serving-worker.mjs'));
    const after = ran(await help());
    expect(after.built).toBe(true);
    expect(fs.existsSync(path.join(after.dir, 'serving-worker.mjs'))).toBe(true);
  }, 120_000);

  it('runs the sources through tsx when esbuild is missing, saying why only under STUDIO_CLI_DEBUG', async () => {
    fs.unlinkSync(path.join(app, 'node_modules/esbuild'));
    editDescription('Adapter Studio: edited without esbuild');
    const debug = await help();
    expect(debug.status, debug.stderr).toBe(0);
    expect(debug.stderr).toMatch(
      /running the sources through tsx: the CLI bundle could not be built: .*esbuild/,
    );
    expect(debug.stdout).toContain('Adapter Studio: edited without esbuild');
    const quiet = await help({ STUDIO_CLI_DEBUG: '' });
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('Adapter Studio: edited without esbuild');
  }, 120_000);
});

describe('workers started from the sources', () => {
  const started: ChildProcess[] = [];
  afterAll(() => started.forEach((c) => c.kill()));

  it("run the cached bundle's worker, or tsx when STUDIO_CLI_TSX=1", () => {
    const bundled = launchWorker({}, 'data') as ChildProcess;
    started.push(bundled);
    // fork passes the parent's execArgv (vitest's) first; the script and its arguments come last.
    expect(bundled.spawnargs.at(-1)).toMatch(/[\\/]\.cache[\\/]cli[\\/]b-[\w-]+[\\/]data-worker\.mjs$/);
    process.env.STUDIO_CLI_TSX = '1';
    try {
      const tsx = launchWorker({}, 'data') as ChildProcess;
      started.push(tsx);
      expect(tsx.spawnargs.slice(-2)).toEqual([
        path.join(REPO_ROOT, 'bin/run-ts.mjs'),
        path.join(REPO_ROOT, 'src-main/data-worker/worker.ts'),
      ]);
    } finally {
      delete process.env.STUDIO_CLI_TSX;
    }
  });

  it("the repository's bin/studio.mjs runs the bundle in its .cache/cli/", () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, STUDIO_CLI_DEBUG: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(DESCRIPTION);
    expect(r.stderr).toMatch(/studio: (built|using) the CLI bundle .*[\\/]\.cache[\\/]cli[\\/]b-/);
  });
});
