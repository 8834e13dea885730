import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The cpu backend and core's gradients, as every engine process registers them.
import '../../../src-main/engine/tf-core.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetSpecSchema, trainOptionsSchema } from '../../../src-shared/train-config.ts';
import { loadDataset } from '../../../src-main/data/index.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { loadTokenizer } from '../../../src-main/models/tokenizer/index.ts';
import { prepareData } from '../../../src-main/training/prepare.ts';
import { HF_TINY_DIR } from '../../helpers/fixtures.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valsplit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 100 rows, 50 per class: a stratified split of fraction f holds out round(50 * f) of each class.
const csv = path.join(dir, 'data.csv');
fs.writeFileSync(
  csv,
  [
    'text,label',
    ...Array.from({ length: 100 }, (_, i) => `example number ${i},${i % 2 ? 'pos' : 'neg'}`),
  ].join('\n'),
);
const valCsv = path.join(dir, 'val.csv');
fs.writeFileSync(
  valCsv,
  ['text,label', ...Array.from({ length: 7 }, (_, i) => `held ${i},${i % 2 ? 'pos' : 'neg'}`)].join('\n'),
);

const modelDir = path.join(HF_TINY_DIR, 'bert-seqcls/base');
let model: Model;
const tok = loadTokenizer(modelDir);
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = loadModel(modelDir);
});
afterAll(() => model.dispose());
const o = trainOptionsSchema.parse({ maxEvalExamples: 0 });

describe('dataset.validationFraction', () => {
  it('defaults to the 20% holdout', () => {
    const d = prepareData({ path: csv }, model, tok, o);
    expect([d.train.length, d.validation.length]).toEqual([80, 20]);
  });

  it('sets the size of the stratified holdout', () => {
    const d = prepareData({ path: csv, validationFraction: 0.5 }, model, tok, o);
    expect([d.train.length, d.validation.length]).toEqual([50, 50]);
    const labels = d.validation.map((e) => e.label);
    expect(labels.filter((l) => l === 0)).toHaveLength(25);
    const small = prepareData({ path: csv, validationFraction: 0.1 }, model, tok, o);
    expect([small.train.length, small.validation.length]).toEqual([90, 10]);
    expect(loadDataset({ path: csv, validationFraction: 0.1 }).split.validation).toBe(0.1);
  });

  it('is ignored when a validation file is given', () => {
    const d = prepareData({ path: csv, validation: valCsv, validationFraction: 0.5 }, model, tok, o);
    expect([d.train.length, d.validation.length]).toEqual([100, 7]);
  });

  it('accepts (0, 0.9] only', () => {
    for (const f of [0, -0.1, 0.95, 1])
      expect(datasetSpecSchema.safeParse({ path: csv, validationFraction: f }).success).toBe(false);
    for (const f of [0.01, 0.9])
      expect(datasetSpecSchema.safeParse({ sample: 'x', validationFraction: f }).success).toBe(true);
  });
});
