/**
 * The packaged app's runAsNode fuse is off (electron-builder.yml), so the Electron binary can never be run as a
 * plain Node (a page of ours turned hostile could otherwise use it as a Node interpreter). That holds only while
 * nothing needs it: every worker starts as a utilityProcess, and no code sets the run-as-Node variable.
 */
import { spawnSync } from 'node:child_process';
import type * as ChildProcess from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../helpers/fixtures.ts';

vi.mock('node:child_process', async (original) => {
  const real = await original<typeof ChildProcess>();
  return { ...real, spawnSync: vi.fn(real.spawnSync) };
});

const VARIABLE = ['ELECTRON', 'RUN', 'AS', 'NODE'].join('_');

/** Every source file the app, the CLI and the build scripts are made of. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts|mjs|cjs|js|svelte)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Runs `fn` as if in an Electron process (process.versions.electron set), then puts it back. */
async function asElectron<T>(fn: () => T | Promise<T>): Promise<T> {
  Object.defineProperty(process.versions, 'electron', { value: '45.5.0', configurable: true });
  try {
    return await fn();
  } finally {
    delete (process.versions as { electron?: string }).electron;
  }
}

afterEach(() => vi.mocked(spawnSync).mockClear());

describe('runAsNode fuse', () => {
  it('is off in the packaged app', () => {
    const yml = fs.readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
    const fuses = /electronFuses:\n((?: {2}.*\n)+)/.exec(yml)?.[1] ?? '';
    expect(fuses).toMatch(/^ {2}runAsNode: false$/m);
  });

  it('no code of the app, the CLI or the build scripts sets the run-as-Node variable', () => {
    const files = ['src-main', 'src-shared', 'src-renderer', 'scripts', 'bin'].flatMap(sources);
    expect(files.length).toBeGreaterThan(100);
    const setting = files.filter((f) => fs.readFileSync(f, 'utf8').includes(VARIABLE));
    expect(setting.map((f) => path.relative(REPO_ROOT, f))).toEqual([]);
  });

  it('inside Electron a worker is never forked from the binary (it would start a second studio)', async () => {
    const { launchProcess } = await import('../../../src-main/process/launcher.ts');
    const options = { script: 'x.cjs', args: [], cwd: REPO_ROOT, env: {}, name: 'test' };
    await asElectron(() => expect(() => launchProcess(options, 'fork')).toThrow(/utility processes/));
  });

  it("the engine's WebGPU probe starts no child of the binary in Electron, and does in Node", async () => {
    const { probeWebGpu } = await import('../../../src-main/engine/webgpu.ts');
    const spawned = () => vi.mocked(spawnSync).mock.calls.filter(([cmd]) => cmd === process.execPath).length;
    await asElectron(() => probeWebGpu());
    expect(spawned()).toBe(0);
    // Where a Vulkan loader exists, plain Node looks in a child first (keeps Dawn's warnings off the CLI's line).
    if (fs.existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1')) {
      await probeWebGpu();
      expect(spawned()).toBe(1);
    }
  });
});
