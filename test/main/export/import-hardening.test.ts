/**
 * What a failed import or a crash leaves behind, and what an export may overwrite: a full disk mid-import keeps
 * nothing and the next import works, leftovers are put right when the project is opened, a new run never inherits
 * a stale folder, and an existing bundle .zip is replaced only when asked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NOT_OVERWRITTEN } from '../../../src-shared/export.ts';
import type { BundleManifest } from '../../../src-shared/export.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { getRun, insertRun } from '../../../src-main/db/tables/runs.ts';
import { exportRun } from '../../../src-main/export/index.ts';
import { importBundle } from '../../../src-main/export/import-bundle.ts';
import { ProjectsService } from '../../../src-main/services/projects.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { makeLoraBundle } from '../../helpers/bundle-fixtures.ts';
import { newProjectFolder, TINY_BERT } from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-import-hardening-');
let bundle = '';
/** Above Linux's largest pid (2^22): no process can have it, so its leftovers are a dead process's. */
const DEAD_PID = 4_194_399;

beforeAll(async () => {
  bundle = await makeLoraBundle(tmp.dir);
}, 120_000);
afterEach(() => vi.restoreAllMocks());
afterAll(() => tmp.cleanup());

const runsIn = (dir: string) =>
  fs.readdirSync(path.join(dir, 'artifacts')).filter((n) => !n.startsWith('.') || n.includes('tmp'));

describe('import: a failure keeps nothing', () => {
  it('a full disk while the adapter is written: one line, nothing left, and the next import works', async () => {
    const p = newProjectFolder(tmp.dir, 'disk-full');
    const realWrite = fs.writeSync.bind(fs) as (...a: unknown[]) => number;
    const realWriteFile = fs.writeFileSync.bind(fs) as (...a: unknown[]) => void;
    const full = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    // Whichever way the importer writes, the adapter's weights do not fit.
    vi.spyOn(fs, 'writeSync').mockImplementation((...a: unknown[]) =>
      (a[1] as Uint8Array).length > 1000 ? full() : realWrite(...a),
    );
    vi.spyOn(fs, 'writeFileSync').mockImplementation((...a: unknown[]) =>
      String(a[0]).endsWith('.safetensors') ? full() : realWriteFile(...a),
    );
    await expect(importBundle(p.db, p.dir, bundle)).rejects.toThrow(
      /disk-full: good\.zip could not be imported here \(ENOSPC: no space left on device\); nothing was kept$/,
    );
    vi.restoreAllMocks();
    expect(fs.readdirSync(path.join(p.dir, 'artifacts'))).toEqual([]);
    expect(getRun(p.db, 1)).toBeUndefined();
    const { runId } = await importBundle(p.db, p.dir, bundle);
    expect(runId).toBe(1);
    expect(runsIn(p.dir)).toEqual(['run-1']);
    p.db.close();
  });

  it("a stale run folder without a row (a crash's leftover) is replaced, never merged into or refused", async () => {
    const p = newProjectFolder(tmp.dir, 'stale-dir');
    const stale = path.join(p.dir, 'artifacts/run-1/adapter');
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, 'adapter_model.safetensors'), 'another run');
    fs.writeFileSync(path.join(stale, 'stale.bin'), 'x');
    const { runId } = await importBundle(p.db, p.dir, bundle);
    expect(runId).toBe(1);
    expect(fs.readdirSync(stale).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(fs.readFileSync(path.join(stale, 'adapter_model.safetensors'), 'utf8')).not.toBe('another run');
    // The run says its metrics are the bundle's claim.
    expect(getRun(p.db, runId)?.message).toMatch(/metrics as the bundle reports them, not measured here/);
    p.db.close();
  });

  it('a bundle without a base-model hash needs the explicit override', async () => {
    const entries = unzipSync(new Uint8Array(fs.readFileSync(bundle)));
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as BundleManifest;
    manifest.baseModel.contentHash = null;
    const file = path.join(tmp.dir, 'no-hash.zip');
    fs.writeFileSync(
      file,
      zipSync({ ...entries, 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)) }),
    );
    const p = newProjectFolder(tmp.dir, 'no-hash');
    await expect(importBundle(p.db, p.dir, file)).rejects.toThrow(/pass --allow-unknown-base/);
    expect((await importBundle(p.db, p.dir, file, { allowUnknownBase: true })).runId).toBe(1);
    p.db.close();
  });
});

describe('opening a project puts leftovers right', () => {
  it('drops dead half-written folders and row-less run folders, restores a set-aside checkpoint, keeps live ones', () => {
    const p = newProjectFolder(tmp.dir, 'leftovers');
    insertRun(p.db, {
      name: 'r',
      datasetId: null,
      baseModelId: null,
      method: 'lora',
      config: {},
      createdAt: new Date().toISOString(),
    });
    p.db.close();
    const a = (rel: string) => path.join(p.dir, 'artifacts', rel);
    const files = {
      [`run-1/checkpoint-last.old-${DEAD_PID}/w.safetensors`]: 'last good',
      [`run-1/checkpoint-last.tmp-${DEAD_PID}/w.safetensors`]: 'half',
      [`run-1/checkpoint-best.tmp-${process.pid}/w.safetensors`]: 'being written',
      'run-1/adapter/adapter.safetensors': 'kept',
      'run-7/adapter/adapter_model.safetensors': 'no row',
      [`.import.tmp-${DEAD_PID}-abcd/adapter/x`]: 'dead import',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(a(rel)), { recursive: true });
      fs.writeFileSync(a(rel), text);
    }
    const projects = new ProjectsService(new AppStore(path.join(tmp.dir, 'home')), tmp.dir);
    projects.db(p.dir);
    projects.close();
    expect(fs.readdirSync(a('')).sort()).toEqual(['run-1']);
    expect(fs.readdirSync(a('run-1')).sort()).toEqual([
      'adapter',
      `checkpoint-best.tmp-${process.pid}`,
      'checkpoint-last',
    ]);
    expect(fs.readFileSync(a('run-1/checkpoint-last/w.safetensors'), 'utf8')).toBe('last good');
  });

  it('a new run starts in an empty folder even when a stale one has its id', async () => {
    const p = newProjectFolder(tmp.dir, 'fresh-run');
    const stale = path.join(p.dir, 'artifacts/run-1/adapter');
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, 'adapter_model.safetensors'), 'another run');
    const config = trainConfigSchema.parse({
      project: p.dir,
      model: TINY_BERT,
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method: { type: 'lora', r: 2 },
      train: { maxSteps: 1 },
    });
    const run = startRun(p.db, p.dir, config);
    expect(run.runId).toBe(1);
    expect(fs.existsSync(path.join(stale, 'adapter_model.safetensors'))).toBe(false);
    run.send({ type: 'cancel' });
    await run.done;
    p.db.close();
  }, 120_000);
});

describe('export: an existing bundle is replaced only when asked', () => {
  it('refuses to overwrite, replaces with force, writes atomically and reports the size of the zip', async () => {
    const p = newProjectFolder(tmp.dir, 'overwrite');
    const imported = await importBundle(p.db, p.dir, bundle);
    const out = path.join(tmp.dir, 'out', 'exists.zip');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, 'precious');
    await expect(exportRun(p.db, p.dir, imported.runId, 'bundle', out)).rejects.toThrow(
      new RegExp(`exists\\.zip: ${NOT_OVERWRITTEN} \\(use --force to replace it\\)$`),
    );
    expect(fs.readFileSync(out, 'utf8')).toBe('precious');
    const result = await exportRun(p.db, p.dir, imported.runId, 'bundle', out, undefined, { force: true });
    expect(fs.readFileSync(out).subarray(0, 2).toString()).toBe('PK');
    expect(result.bytes).toBe(fs.statSync(out).size);
    expect(result.bytes).not.toBe(result.files.reduce((s, f) => s + f.bytes, 0));
    expect(fs.readdirSync(path.dirname(out))).toEqual(['exists.zip']);
    p.db.close();
  });
});
