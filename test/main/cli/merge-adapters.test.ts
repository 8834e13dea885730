import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-cli-merge-');
afterAll(() => tmp.cleanup());

function studio(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
    timeout: 180_000,
  });
}

const BASE = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const FIX = path.join(OWN_FIXTURES_DIR, 'peft-merge');
const sources = ['--adapter', path.join(FIX, 'sources/a'), '--adapter', path.join(FIX, 'sources/b')];

describe('studio merge-adapters (folders)', () => {
  it("writes PEFT's ties merge: studio predict gives PEFT's logits within 1e-4", () => {
    const out = path.join(tmp.dir, 'ties');
    const r = studio([
      'merge-adapters',
      '--model',
      BASE,
      ...sources,
      '--type',
      'ties',
      '--density',
      '0.5',
      '--weights',
      '0.7,0.5',
      '--out',
      out,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rank: 4, alpha: 4, modules: 4, out });
    const logits = path.join(tmp.dir, 'logits.safetensors');
    const ref = path.join(FIX, 'ab-ties/reference.safetensors');
    const p = studio(['predict', '--model', BASE, '--adapter', out, '--inputs', ref, '--output', logits]);
    expect(p.status, p.stderr).toBe(0);
    const got = readSafetensors(logits).tensors.get('logits')?.data as Float32Array;
    const want = readSafetensors(ref).tensors.get('logits')?.data as Float32Array;
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-4);
  });

  it('refuses bad options in one line naming the flag', () => {
    const out = path.join(tmp.dir, 'never');
    const bad = (extra: string[]) =>
      studio(['merge-adapters', '--model', BASE, ...sources, '--out', out, ...extra]);
    const density = bad(['--type', 'ties', '--density', '1.5']);
    expect([density.status, density.stderr.trim()]).toEqual([
      1,
      'studio: --density: density must be between 0 and 1',
    ]);
    const type = bad(['--type', 'mean']);
    expect(type.stderr).toMatch(
      /^studio: --type: "mean" is not a combination type \(one of linear, cat, svd/,
    );
    const missing = studio(['merge-adapters', '--model', BASE, '--adapter', path.join(FIX, 'sources/a')]);
    expect(missing.stderr.trim()).toBe(
      'studio: merge-adapters needs --adapter (twice or more), --out (or --project and --runs)',
    );
  });
});
