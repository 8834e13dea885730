/**
 * Hostile bundles (test/reliability/hostile-bundles.ts): every one is refused with one line naming the problem,
 * writes nothing anywhere, leaves nothing in the project, keeps memory bounded, and the studio still imports a good
 * bundle afterwards. A representative subset goes through `studio import`, which must also create no project.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../src-shared/export.ts';
import { AppStore } from '../../src-main/app/app-store.ts';
import type { Database } from 'better-sqlite3';
import { UserError } from '../../src-main/errors.ts';
import { importBundle } from '../../src-main/export/import-bundle.ts';
import { BUNDLE_LIMITS } from '../../src-main/export/unzip.ts';
import { makeLoraBundle } from '../helpers/bundle-fixtures.ts';
import { newProjectFolder } from '../helpers/export-fixtures.ts';
import { expectUserError, studioCli } from '../helpers/studio-cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { HOSTILE_CASES } from './hostile-bundles.ts';
import type { GoodBundle } from './hostile-bundles.ts';

const tmp = tempDir('studio-hostile-');
const home = path.join(tmp.dir, 'home');
const studio = studioCli(home);
const state = { goodZip: '', target: '' };
let good: GoodBundle;
let db: Database;

/** Every path under `dir` (folders end with /), sorted: what "nothing written" is checked against. */
function tree(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? [`${prefix}${e.name}/`, ...tree(path.join(dir, e.name), `${prefix}${e.name}/`)]
        : [`${prefix}${e.name}`],
    )
    .sort();
}

const runCount = (db: Database) => (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
const MiB = 1024 * 1024;

beforeAll(async () => {
  state.goodZip = await makeLoraBundle(tmp.dir);
  const entries = unzipSync(new Uint8Array(fs.readFileSync(state.goodZip)));
  const { 'manifest.json': manifest, ...files } = entries;
  good = { manifest: JSON.parse(new TextDecoder().decode(manifest)) as BundleManifest, files };
  const target = newProjectFolder(tmp.dir, 'target');
  state.target = target.dir;
  db = target.db;
  fs.mkdirSync(path.join(tmp.dir, 'cases'));
  fs.mkdirSync(path.join(tmp.dir, 'cli-cases'));
}, 120_000);
afterAll(() => {
  db.close();
  tmp.cleanup();
});

describe('hostile bundles', () => {
  it('the corpus holds at least 40 bundles and a representative CLI subset', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(40);
    expect(HOSTILE_CASES.filter((c) => c.cli).length).toBeGreaterThanOrEqual(8);
    expect(new Set(HOSTILE_CASES.map((c) => c.name)).size).toBe(HOSTILE_CASES.length);
  });

  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))(
    '%s: refused in one line, nothing written, memory bounded',
    async (_name, c) => {
      const file = c.make(path.join(tmp.dir, 'cases'), good);
      const before = tree(tmp.dir);
      const rss = process.resourceUsage().maxRSS * 1024;
      const err = await importBundle(db, state.target, file, {
        limits: { ...BUNDLE_LIMITS, ...c.limits },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'the import was accepted').toBeInstanceOf(UserError);
      const message = (err as Error).message;
      expect(message).toMatch(c.expect);
      expect(message.split('\n')).toHaveLength(1);
      // A bomb is refused before it inflates: the process's peak memory hardly moved.
      expect(process.resourceUsage().maxRSS * 1024 - rss).toBeLessThan(c.bomb ? 200 * MiB : 400 * MiB);
      expect(tree(tmp.dir)).toEqual(before);
      expect(fs.readdirSync(path.join(state.target, 'artifacts'))).toEqual([]);
      expect(runCount(db)).toBe(0);
    },
    60_000,
  );

  it.each(HOSTILE_CASES.filter((c) => c.cli).map((c) => [c.name, c] as const))(
    'studio import of %s: exit non-zero, one line, no project folder, no recent-projects entry',
    (_name, c) => {
      const project = path.join(tmp.dir, `fresh-${c.name.replace(/\W+/g, '-')}`);
      const file = c.make(path.join(tmp.dir, 'cli-cases'), good);
      expectUserError(studio(['import', '--project', project, file]), c.expect);
      expect(fs.existsSync(project)).toBe(false);
      expect(new AppStore(home).recentProjects().map((p) => p.path)).not.toContain(project);
    },
    120_000,
  );

  it('still healthy afterwards: the good bundle imports through the service and the CLI', async () => {
    const { runId } = await importBundle(db, state.target, state.goodZip);
    expect(runId).toBe(1);
    expect(fs.readdirSync(path.join(state.target, 'artifacts/run-1/adapter')).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    const r = studio(['import', '--project', path.join(tmp.dir, 'fresh-good'), state.goodZip]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('1');
  }, 120_000);
});
