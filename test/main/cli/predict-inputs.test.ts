import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../../src-main/cli/commands/predict.ts';
import { writeSafetensors } from '../../../src-main/engine/safetensors/index.ts';
import type { RawTensor } from '../../../src-main/engine/safetensors/index.ts';
import { UserError } from '../../../src-main/errors.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

beforeAll(useTestBackend);
const tmp = tempDir('studio-predict-in-');
afterAll(() => tmp.cleanup());

const ints = (values: number[], shape: number[]): RawTensor => ({
  dtype: 'int32',
  shape,
  data: Int32Array.from(values),
});
const inputsFile = (name: string, tensors: Record<string, RawTensor>) => {
  const file = path.join(tmp.dir, `${name}.safetensors`);
  writeSafetensors(file, new Map(Object.entries(tensors)));
  return file;
};
const TEXT = { modelType: 'bert', inputKind: 'text', vocabSize: 10 } as const;
const IMAGE = { modelType: 'vit', inputKind: 'image', vocabSize: null } as const;

describe('predict inputs', () => {
  it('reads ids, mask and type ids as tensors, ignoring other tensors', () => {
    const file = inputsFile('ok', {
      input_ids: ints([1, 2, 3, 4], [2, 2]),
      attention_mask: ints([1, 1, 1, 0], [2, 2]),
      logits: { dtype: 'float32', shape: [1], data: Float32Array.from([0]) },
    });
    const before = tf.memory().numTensors;
    const { inputs, dispose } = readInputs(file, TEXT);
    expect(inputs.inputIds?.shape).toEqual([2, 2]);
    expect(inputs.attentionMask?.shape).toEqual([2, 2]);
    expect(inputs.tokenTypeIds).toBeUndefined();
    dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  const refused: [string, Record<string, RawTensor>, typeof TEXT | typeof IMAGE, RegExp][] = [
    ['no inputs at all', { other: ints([1], [1]) }, TEXT, /has neither input_ids nor pixel_values/],
    [
      'ids of the wrong rank',
      { input_ids: ints([1, 2], [2]) },
      TEXT,
      /input_ids must be an integer tensor \[batch, seq\]/,
    ],
    [
      'float pixel values expected',
      { pixel_values: ints([1], [1, 1, 1, 1]) },
      IMAGE,
      /pixel_values must be float32/,
    ],
    [
      'an id outside the vocabulary',
      { input_ids: ints([1, 10], [1, 2]) },
      TEXT,
      /input_ids holds 10, outside the vocabulary \[0, 10\)/,
    ],
    [
      'a mask of another shape',
      { input_ids: ints([1, 2], [1, 2]), attention_mask: ints([1, 1, 1], [1, 3]) },
      TEXT,
      /attention_mask is \[1, 3\] but input_ids is \[1, 2\]/,
    ],
    [
      'text for an image model',
      { input_ids: ints([1, 2], [1, 2]) },
      IMAGE,
      /this vit model needs pixel_values/,
    ],
  ];
  it.each(refused)('refuses %s in one line naming the file', (name, tensors, model, message) => {
    const file = inputsFile(name.replace(/\W+/g, '-'), tensors);
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      readInputs(file, model);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('studio predict names the inputs file when an image has the wrong size', () => {
    const file = path.join(tmp.dir, 'small-image.safetensors');
    writeSafetensors(
      file,
      new Map([['pixel_values', { dtype: 'float32', shape: [1, 3, 16, 16], data: new Float32Array(768) }]]),
    );
    const r = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/studio.mjs'),
        'predict',
        '--model',
        path.join(HF_TINY_DIR, 'vit-imgcls/base'),
        '--inputs',
        file,
        '--output',
        path.join(tmp.dir, 'out.safetensors'),
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      `studio: ${file}: vit expects pixel_values [batch, 3, 32, 32], got [1, 3, 16, 16]`,
    );
  });
});
