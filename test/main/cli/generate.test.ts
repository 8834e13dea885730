import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerationResult } from '../../../src-shared/generation.ts';
import { HF_TINY_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-generate-');
afterAll(() => tmp.cleanup());

function studio(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
    timeout: 180_000,
  });
}

const GPT2 = path.join(HF_TINY_DIR, 'gpt2-lm');
const base = ['generate', '--model', path.join(GPT2, 'base'), '--prompt', 'Hello world', '--no-eos'];

describe('studio generate', () => {
  it('--json gives the same ids with and without the cache; a seed repeats a sample; --bench prints tokens/s', () => {
    const sample = [
      '--adapter',
      path.join(GPT2, 'lora'),
      '--with-base',
      '--temperature',
      '1.2',
      '--top-p',
      '0.9',
    ];
    const runs = [
      [...base, ...sample, '--seed', '4', '--json'],
      [...base, ...sample, '--seed', '4', '--json', '--no-cache'],
    ].map((args) => studio(args));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const [a, b] = runs.map((r) => JSON.parse(r.stdout) as GenerationResult);
    expect(a?.columns.map((c) => c.title)).toEqual(['Base model', 'lora']);
    expect(a?.columns[0]?.ids).toHaveLength(32);
    expect(b?.columns.map((c) => c.ids)).toEqual(a?.columns.map((c) => c.ids));

    const text = studio([...base, '--max-new-tokens', '6', '--bench']);
    expect(text.status, text.stderr).toBe(0);
    const json = studio([...base, '--max-new-tokens', '6', '--json']);
    const greedy = (JSON.parse(json.stdout) as GenerationResult).columns[0];
    // The streamed text is the JSON's text, then a newline.
    expect(text.stdout).toBe(`${greedy?.text}\n`);
    expect(text.stderr).toMatch(
      /^Base model: 6 tokens in \d+ ms \(prefill [\d.]+ ms\), [\d.]+ tokens\/s after prefill, cache on, \w+/m,
    );
  });

  it('refuses bad options with one line', () => {
    const r = studio([...base, '--top-p', '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/top-p/);
  });
});
