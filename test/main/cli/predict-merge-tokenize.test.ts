import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import { HF_TINY_DIR, HF_TINY_MODELS, REPO_ROOT } from '../../helpers/fixtures.ts';
import { maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-cli-');
afterAll(() => tmp.cleanup());

function studio(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return r;
}

/** Runs `studio predict` and compares its logits with a fixture's reference.safetensors. */
function predictDiff(model: string, refDir: string, adapter?: string): number {
  const out = path.join(tmp.dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  const ref = path.join(refDir, 'reference.safetensors');
  const r = studio([
    'predict',
    '--model',
    model,
    ...(adapter ? ['--adapter', adapter] : []),
    '--inputs',
    ref,
    '--output',
    out,
  ]);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.status).toBe(0);
  const got = readSafetensors(out).tensors.get('logits');
  const want = readSafetensors(ref).tensors;
  const logits = want.get('logits');
  if (!got || !logits) throw new Error('no logits');
  expect(got.shape).toEqual(logits.shape);
  return maxAbsDiff(got.data, logits.data, want.get('attention_mask')?.data);
}

describe('studio predict / merge (CLI contract)', () => {
  it.each(HF_TINY_MODELS)('%s: predict, predict --adapter lora, merge then predict', (name) => {
    const dir = path.join(HF_TINY_DIR, name);
    expect(predictDiff(path.join(dir, 'base'), path.join(dir, 'base'))).toBeLessThanOrEqual(1e-4);
    expect(
      predictDiff(path.join(dir, 'base'), path.join(dir, 'lora'), path.join(dir, 'lora')),
    ).toBeLessThanOrEqual(1e-4);
    const merged = path.join(tmp.dir, `${name}-merged`);
    const m = studio([
      'merge',
      '--model',
      path.join(dir, 'base'),
      '--adapter',
      path.join(dir, 'lora'),
      '--out',
      merged,
    ]);
    expect(m.status).toBe(0);
    expect(fs.existsSync(path.join(merged, 'config.json'))).toBe(true);
    expect(predictDiff(merged, path.join(dir, 'lora-merged'))).toBeLessThanOrEqual(1e-4);
  });

  it.each(['ia3', 'prompt-tuning'])('bert-seqcls: predict --adapter %s', (a) => {
    const dir = path.join(HF_TINY_DIR, 'bert-seqcls');
    expect(predictDiff(path.join(dir, 'base'), path.join(dir, a), path.join(dir, a))).toBeLessThanOrEqual(
      1e-4,
    );
  });

  it('refuses to merge a prompt-tuning adapter with one line', () => {
    const dir = path.join(HF_TINY_DIR, 'bert-seqcls');
    const r = studio([
      'merge',
      '--model',
      path.join(dir, 'base'),
      '--adapter',
      path.join(dir, 'prompt-tuning'),
      '--out',
      path.join(tmp.dir, 'x'),
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/prompt adapter cannot be merged/);
  });

  it('reports a malformed inputs file in one line naming it', () => {
    const bad = path.join(tmp.dir, 'bad.safetensors');
    fs.writeFileSync(bad, Buffer.from([1, 2, 3]));
    const r = studio([
      'predict',
      '--model',
      path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      '--inputs',
      bad,
      '--output',
      path.join(tmp.dir, 'o'),
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}: truncated`);
  });

  it('applies an adapter only to the model it fits', () => {
    const r = studio([
      'predict',
      '--model',
      path.join(HF_TINY_DIR, 'gpt2-lm/base'),
      '--adapter',
      path.join(HF_TINY_DIR, 'bert-seqcls/lora'),
      '--inputs',
      path.join(HF_TINY_DIR, 'gpt2-lm/base/reference.safetensors'),
      '--output',
      path.join(tmp.dir, 'o'),
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /bert-seqcls\/lora: adapter targets bert\.encoder\.layer\.0\.attention\.self\.query, which this gpt2 model does not have/,
    );
  });
});

describe('studio tokenize (CLI contract)', () => {
  it.each(['bert-seqcls', 'gpt2-lm'])('%s: exactly the reference ids for every text', (name) => {
    const dir = path.join(HF_TINY_DIR, name, 'base');
    const refs = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_reference.json'), 'utf8')) as {
      text: string;
      text_pair?: string;
      ids: number[];
      tokens: string[];
      type_ids?: number[];
    }[];
    for (const ref of refs) {
      const r = studio([
        'tokenize',
        '--model',
        dir,
        '--text',
        ref.text,
        ...(ref.text_pair ? ['--pair', ref.text_pair] : []),
      ]);
      expect(r.status).toBe(0);
      const got = JSON.parse(r.stdout) as { ids: number[]; tokens: string[]; typeIds: number[] };
      expect(got.ids).toEqual(ref.ids);
      expect(got.tokens).toEqual(ref.tokens);
      if (ref.type_ids) expect(got.typeIds).toEqual(ref.type_ids);
    }
  });
});
