/**
 * A training process starts its backend lean (backends.ts InitOptions): it probes only what it can use, since
 * nobody reads the rest of its report and every probe is start-up time of every run (issue #19's whole run).
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/engine/backends.ts';

const reasons = (r: { probed: { name: string; reason: string }[] }) =>
  Object.fromEntries(r.probed.map((p) => [p.name, p.reason]));

describe('backend start-up in an engine process', () => {
  it('probes only the backend STUDIO_BACKEND asks for', async () => {
    const r = await initBackend('cpu', { engineProcess: true });
    expect(r.backend).toBe('cpu');
    const why = reasons(r);
    for (const other of ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm'])
      expect(why[other]).toBe('not probed: STUDIO_BACKEND=cpu asked for another backend');
    expect(why.cpu).toMatch(/^chosen: /);
  });

  it('stops probing once a backend is chosen, where studio doctor reports the CPU backends as well', async () => {
    const lean = await initBackend('wasm', { engineProcess: true });
    expect(reasons(lean).cpu).toBe('not probed: wasm was chosen first');
    const full = await initBackend('wasm');
    expect(reasons(full).cpu).toMatch(/^available but not used/);
    expect(reasons(full).webgpu).not.toMatch(/^not probed/);
  });
});
