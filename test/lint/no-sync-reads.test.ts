import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.ts';

// Issue #16: tf.js's webgpu backend reads a GPU tensor synchronously through an OffscreenCanvas, which Node lacks,
// so a dataSync() in code a worker runs on webgpu failed there (the serving API answered 422 to every request).
const eslint = new ESLint({ cwd: REPO_ROOT });
const syncReads = (results: ESLint.LintResult[]) =>
  results.flatMap((r) =>
    r.messages
      .filter((m) => m.ruleId === 'no-restricted-properties')
      .map((m) => ({ line: m.line, message: m.message })),
  );
const lint = async (code: string, file: string) =>
  syncReads(await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) }));

/** The files that read tensors back synchronously until issue #16. */
const FIXED = [
  'src-main/serving/batch-forward.ts',
  'src-main/adapters/router/index.ts',
  'src-main/adapters/router/layers.ts',
  'src-main/inference/routed-to.ts',
  'src-main/inference/predict.ts',
  'src-main/inference/task-columns.ts',
  'src-main/inference/zero-shot.ts',
  'src-main/inference/score-file.ts',
  'src-main/inference/forgetting.ts',
  'src-main/inference/forgetting-lm.ts',
  'src-main/inference/forgetting-probe.ts',
  'src-main/training/gradients.ts',
  'src-main/engine/ops/dropout.ts',
];

describe('no synchronous tensor reads in src-main', () => {
  it('refuses dataSync, arraySync and bufferSync, called, optional or taken as a reference, saying why', async () => {
    const code = [
      "import * as tf from '@tensorflow/tfjs-core';",
      'export function f(t: tf.Tensor, u?: tf.Tensor) {',
      '  const a = t.dataSync();',
      '  const b = t.arraySync();',
      '  const c = t.bufferSync();',
      '  const d = u?.dataSync();',
      '  const read = t.dataSync;',
      '  return [a, b, c, d, read];',
      '}',
      '',
    ].join('\n');
    const found = await lint(code, 'src-main/serving/reads.ts');
    expect(found.map((m) => m.line)).toEqual([3, 4, 5, 6, 7]);
    for (const m of found) expect(m.message).toMatch(/OffscreenCanvas.*await t\.data\(\)/);
    // Everywhere in src-main, not only in the workers' folders named in the layer rules.
    expect(await lint(code, 'src-main/some-new-folder/x.ts')).toHaveLength(5);
  });

  it('allows the asynchronous reads, and a disabled line with its reason', async () => {
    const code = [
      "import * as tf from '@tensorflow/tfjs-core';",
      'export async function f(t: tf.Tensor) {',
      '  const a = await t.data();',
      '  const b = await t.array();',
      '  // eslint-disable-next-line no-restricted-properties -- a cpu-backend tensor, in host memory',
      '  const c = t.dataSync();',
      '  return [a, b, c];',
      '}',
      '',
    ].join('\n');
    expect(await lint(code, 'src-main/inference/reads.ts')).toEqual([]);
  });

  it('keeps the files that read synchronously before issue #16 clean', async () => {
    expect(syncReads(await eslint.lintFiles(FIXED))).toEqual([]);
  });

  it('gives every sync read left in src-main a reason', () => {
    const files = fs
      .readdirSync(path.join(REPO_ROOT, 'src-main'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'));
    const disabled = files.flatMap((f) =>
      fs
        .readFileSync(path.join(REPO_ROOT, 'src-main', f), 'utf8')
        .split('\n')
        .filter((l) => /eslint-disable.*no-restricted-properties/.test(l))
        .map((l) => `${f}: ${l.trim()}`),
    );
    expect(disabled.length).toBeGreaterThan(0);
    for (const d of disabled) expect(d).toMatch(/no-restricted-properties -- \S.{10,}/);
  });
});
