import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requestedThreads } from '../../../src-main/engine/wasm-threads.ts';

const probe = path.resolve('test/main/engine/fixtures/thread-probe.ts');

function runProbe(threads: number): { threads: number; out: string[] } {
  const stdout = execFileSync(process.execPath, ['bin/run-ts.mjs', probe], {
    env: { ...process.env, STUDIO_THREADS: String(threads) },
    encoding: 'utf8',
    timeout: 90_000, // a process kept alive by pthread workers would fail here
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { threads: number; out: string[] };
}

describe('wasm threads', () => {
  it('STUDIO_THREADS picks the count, capped at 8, and rejects nonsense', () => {
    expect(requestedThreads({ STUDIO_THREADS: '3' })).toBe(3);
    expect(requestedThreads({ STUDIO_THREADS: '64' })).toBe(8);
    expect(requestedThreads({})).toBeGreaterThanOrEqual(1);
    expect(() => requestedThreads({ STUDIO_THREADS: 'two' })).toThrow(/STUDIO_THREADS=two/);
    expect(() => requestedThreads({ STUDIO_THREADS: '0' })).toThrow(/positive whole number/);
  });

  it('1 and 2 threads give bit-identical values and gradients, and the process exits by itself', () => {
    const one = runProbe(1);
    const two = runProbe(2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.out).toEqual(one.out);
  });
});
