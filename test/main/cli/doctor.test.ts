import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/fixtures.ts';

const studio = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, STUDIO_BACKEND: '', ...env },
    timeout: 120_000,
  });

describe('studio doctor', () => {
  it('--json chooses wasm here and says why every other backend was not used', () => {
    const r = studio(['doctor', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as {
      backend: string;
      probed: { name: string; ok: boolean; reason: string }[];
      device: string;
      versions: Record<string, string>;
    };
    expect(report.backend).toBe('wasm');
    expect(report.probed.map((p) => p.name)).toEqual(['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu']);
    for (const p of report.probed) expect(p.reason.length).toBeGreaterThan(10);
    expect(report.probed.find((p) => p.name === 'wasm')?.ok).toBe(true);
    expect(report.probed.find((p) => p.name === 'webgpu')?.ok).toBe(false);
    expect(report.versions.tfjs).toBe('4.22.0');
  });

  it('honours STUDIO_BACKEND', () => {
    const r = studio(['doctor', '--json'], { STUDIO_BACKEND: 'cpu' });
    expect(JSON.parse(r.stdout).backend).toBe('cpu');
  });

  it('refuses an unknown STUDIO_BACKEND with one line naming the choices', () => {
    const r = studio(['doctor'], { STUDIO_BACKEND: 'cuda' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu');
  });

  it('refuses a backend that does not work here instead of silently falling back', () => {
    const r = studio(['doctor'], { STUDIO_BACKEND: 'webgpu' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/webgpu.*not usable/);
  });
});
