/**
 * The final adapter save (after the last step) on a full disk: it fails with ENOSPC, leaves neither a partial
 * `adapter/` folder nor its `*.tmp-PID`, keeps a previous complete adapter untouched, and a later save (a resume)
 * puts a complete folder in place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { baseIdentity, loadAdapter, readAdapterFolder } from '../../../src-main/adapters/index.ts';
import { STUDIO_ADAPTER_FILE, STUDIO_WEIGHTS_FILE } from '../../../src-main/adapters/io.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import { saveFinalAdapter } from '../../../src-main/training/final-adapter.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-final-adapter-');
afterAll(() => tmp.cleanup());
afterEach(() => vi.restoreAllMocks());

const fixture = path.join(HF_TINY_DIR, 'bert-seqcls', 'lora');
const config = readAdapterFolder(fixture).config;
let save: (dir: string) => Promise<string[]>;
beforeAll(() => {
  const model = loadModel(path.join(HF_TINY_DIR, 'bert-seqcls', 'base'));
  const adapter = loadAdapter(model, fixture);
  save = (dir) => saveFinalAdapter(model, adapter, config, dir, baseIdentity(model));
});

/** The weights are written, then the disk is full when the adapter's JSON is: the old save left that half. */
function fullAtAdapterJson() {
  const realWriteFile = fs.writeFileSync.bind(fs) as (...a: unknown[]) => void;
  vi.spyOn(fs, 'writeFileSync').mockImplementation((...a: unknown[]) => {
    if (String(a[0]).endsWith(STUDIO_ADAPTER_FILE))
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    realWriteFile(...a);
  });
}

describe('final adapter save', () => {
  it('on a full disk leaves no partial adapter folder and no temporary one', async () => {
    const run = path.join(tmp.dir, 'run-1');
    fs.mkdirSync(run);
    fullAtAdapterJson();
    await expect(save(path.join(run, 'adapter'))).rejects.toThrow(/ENOSPC/);
    vi.restoreAllMocks();
    expect(fs.readdirSync(run)).toEqual([]);

    // Space freed, the run resumed: the save goes through and every file it reports is in place.
    const files = await save(path.join(run, 'adapter'));
    expect(fs.readdirSync(run)).toEqual(['adapter']);
    expect(files[0]).toBe(path.join(run, 'adapter', STUDIO_WEIGHTS_FILE));
    for (const f of files) expect(fs.existsSync(f), f).toBe(true);
    expect(readAdapterFolder(path.join(run, 'adapter')).format).toBe('studio');
  });

  it('on a full disk keeps a previous complete adapter as it was', async () => {
    const run = path.join(tmp.dir, 'run-2');
    const dir = path.join(run, 'adapter');
    await save(dir);
    const before = fs.readFileSync(path.join(dir, STUDIO_ADAPTER_FILE), 'utf8');
    fullAtAdapterJson();
    await expect(save(dir)).rejects.toThrow(/ENOSPC/);
    vi.restoreAllMocks();
    expect(fs.readdirSync(run)).toEqual(['adapter']);
    expect(fs.readFileSync(path.join(dir, STUDIO_ADAPTER_FILE), 'utf8')).toBe(before);
  });
});
