import { describe, expect, it } from 'vitest';
import { probeWebGpu } from '../../../src-main/engine/webgpu.ts';

describe('webgpu probe', () => {
  it('answers with a one-line reason and never throws (no GPU here: ok is false)', async () => {
    const r = await probeWebGpu();
    expect(typeof r.ok).toBe('boolean');
    expect(r.reason.length).toBeGreaterThan(10);
    expect(r.reason).not.toContain('\n');
    if (r.ok) expect(r.device).toBeTruthy();
  });
});
