/** `bin/studio.mjs` run as a user would from a shell, for tests of the CLI contract (docs/CLI.md). */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
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
export function expectUserError(
  r: Pick<SpawnSyncReturns<string>, 'status' | 'stderr'>,
  pattern: RegExp,
): void {
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

/** `config` written to `file` as the JSON that `studio train|sweep --config` reads; returns `file`. */
export function writeConfigFile(file: string, config: Record<string, unknown>): string {
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

/** What a `--json` command printed on its last line (`studio train`'s summary comes after its progress lines). */
export function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as T;
}

/** `studio zero-shot --json`'s answer: each image's labels, most probable first. */
export interface ZeroShotResult {
  template: string;
  images: { image: string; labels: { label: string; probability: number }[] }[];
}

/**
 * `studio zero-shot --json` of `images` against the comma-separated `labels` on a CLIP folder, `extra` options
 * (such as `--adapter DIR`) last; checked to succeed.
 */
export function zeroShotCli(
  cli: StudioCli,
  opts: { model: string; images: string[]; labels: string; extra?: string[] },
): ZeroShotResult {
  const r = cli([
    'zero-shot',
    '--model',
    opts.model,
    '--image',
    ...opts.images,
    '--labels',
    opts.labels,
    '--json',
    ...(opts.extra ?? []),
  ]);
  expectSuccess(r);
  return JSON.parse(r.stdout) as ZeroShotResult;
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

/** What an in-process `studio` call printed and returned, shaped like spawnSync's result for the same asserts. */
export interface InProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * `studio <args>` run in this process through the CLI's runCli (no process start, no tsx load: a corpus of
 * dozens of refusals stays fast on two cores). stdout/stderr writes are captured while it runs; STUDIO_HOME
 * points at `home` and `env` is applied, both restored afterwards.
 */
export function studioInProcess(
  home: string,
  env: Record<string, string> = {},
): (args: string[]) => Promise<InProcessResult> {
  return async (args) => {
    const { runCli } = await import('../../src-main/cli/main.ts');
    const saved = { ...process.env };
    Object.assign(process.env, env, { STUDIO_HOME: home });
    const out: string[] = [];
    const err: string[] = [];
    const writeOut = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string | Uint8Array) =>
      out.push(String(s)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array) =>
      err.push(String(s)) > 0) as typeof process.stderr.write;
    try {
      const status = await runCli(['node', 'studio', ...args]);
      return { status, stdout: out.join(''), stderr: err.join('') };
    } finally {
      process.stdout.write = writeOut;
      process.stderr.write = writeErr;
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  };
}
