import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The cpu backend and core's gradients, as every engine process registers them.
import '../../../src-main/engine/tf-core.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { loadModelAndTokenizer, prepareRun } from '../../../src-main/training/prepare.ts';
import type { PreparedRun } from '../../../src-main/training/prepare.ts';
import { TINY_BERT } from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';

// Evaluation is on the path of every epoch: a classification batch must cost one forward pass, its loss taken
// from the same logits its predictions come from (it used to run the model twice per batch).
const config = trainConfigSchema.parse({
  project: '/unused',
  model: TINY_BERT,
  dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv'), validationFraction: 0.5 },
  method: { type: 'lora', r: 4 },
  train: { epochs: 1, batchSize: 3, maxLength: 16, seed: 3 },
});
let run: PreparedRun;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const { model, tok } = loadModelAndTokenizer(config, ['neg', 'pos']);
  run = prepareRun(config, model, tok, config.dataset);
});
afterAll(() => run.model.dispose());

describe('evaluation of a classification run', () => {
  it('runs one forward pass per batch and reports the cross-entropy and accuracy of those logits', async () => {
    const v = run.data.validation;
    expect(v.length).toBeGreaterThan(3); // more than one batch
    const forward = run.model.forward.bind(run.model);
    const seen: tf.Tensor2D[] = [];
    let calls = 0;
    run.model.forward = (inputs, opts) => {
      calls++;
      const out = forward(inputs, opts);
      seen.push(tf.keep(out.logits.clone() as tf.Tensor2D));
      return out;
    };
    const before = tf.memory().numTensors;
    const metrics = await run.task.evaluate?.();
    run.model.forward = forward;
    expect(tf.memory().numTensors - seen.length).toBe(before);
    expect(calls).toBe(Math.ceil(v.length / 3));

    const logits = tf.concat(seen);
    const labels = v.map((e) => e.label);
    const rows = (await logits.array()) as number[][];
    const ce = rows.map((r, i) => {
      const m = Math.max(...r);
      const lse = m + Math.log(r.reduce((s, x) => s + Math.exp(x - m), 0));
      return lse - (r[labels[i] as number] as number);
    });
    const acc = rows.filter((r, i) => r.indexOf(Math.max(...r)) === labels[i]).length / rows.length;
    expect(metrics?.loss).toBeCloseTo(ce.reduce((a, b) => a + b, 0) / ce.length, 5);
    expect(metrics?.accuracy).toBeCloseTo(acc, 10);
    tf.dispose([logits, ...seen]);
  });

  it('gives the same metrics in batches of train.evalBatchSize rows, one pass per batch, read back in groups', async () => {
    const base = trainConfigSchema.parse({
      ...config,
      dataset: {
        path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv'),
        validationFraction: 0.25,
      },
    });
    const { model, tok } = loadModelAndTokenizer(base, ['negative', 'positive']);
    const first = prepareRun(base, model, tok, base.dataset);
    const v = first.data.validation;
    const reference = await first.task.evaluate?.();
    // Batches of 1 make more batches than are read back at once (session.ts EVAL_READ_EVERY): several reads.
    expect(v.length).toBeGreaterThan(8);
    for (const rows of [1, 5, v.length]) {
      const c = trainConfigSchema.parse({ ...base, train: { ...base.train, evalBatchSize: rows } });
      const other = prepareRun(c, model, tok, c.dataset);
      const forward = model.forward.bind(model);
      let calls = 0;
      model.forward = (inputs, opts) => {
        calls++;
        expect(inputs.inputIds?.shape[0]).toBeLessThanOrEqual(rows);
        return forward(inputs, opts);
      };
      const before = tf.memory().numTensors;
      const metrics = await other.task.evaluate?.();
      model.forward = forward;
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toBe(Math.ceil(v.length / rows));
      expect(metrics?.loss).toBeCloseTo(reference?.loss ?? NaN, 5);
      expect(metrics?.accuracy).toBe(reference?.accuracy);
      expect(metrics?.macroF1).toBeCloseTo(reference?.macroF1 ?? NaN, 10);
    }
    model.dispose();
  });
});
