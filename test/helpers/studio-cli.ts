/** `bin/studio.mjs` run as a user would from a shell, for tests of the CLI contract (docs/CLI.md). */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { readSafetensors } from '../../src-main/engine/safetensors/index.ts';
import { REPO_ROOT } from './fixtures.ts';

export type StudioCli = (args: string[]) => SpawnSyncReturns<string>;

/**
 * A runner of `studio <args>` with its own STUDIO_HOME, so a test never reads or writes the user's settings;
 * `env` adds to (or overrides) the test's environment.
 */
export function studioCli(home: string, env: Record<string, string> = {}): StudioCli {
  return (args) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...env, STUDIO_HOME: home },
      timeout: 180_000,
    });
}

/** A command that did its work: exit 0 and no internal error (a bug) reported on the way. */
export function expectSuccess(r: SpawnSyncReturns<string>): void {
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.status, r.stderr).toBe(0);
}

/** One-line user error: non-zero exit, a single stderr line, no stack trace. */
export function expectUserError(r: SpawnSyncReturns<string>, pattern: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

/** `studio predict` logits of a model folder, with an adapter when given, on a reference.safetensors's inputs. */
export function predictLogits(
  cli: StudioCli,
  outDir: string,
  opts: { model: string; adapter?: string; inputs: string },
): Float32Array {
  const out = path.join(outDir, `${Math.random().toString(36).slice(2)}.safetensors`);
  const adapter = opts.adapter ? ['--adapter', opts.adapter] : [];
  const r = cli(['predict', '--model', opts.model, ...adapter, '--inputs', opts.inputs, '--output', out]);
  expectSuccess(r);
  return readSafetensors(out).tensors.get('logits')?.data as Float32Array;
}
