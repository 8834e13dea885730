/**
 * A user's mistake in a method's config or adapter folder is a UserError (one line, no stack) wherever it is
 * caught: in the adapter itself, and as the message of a run that hit it in its training process.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { createAdapter } from '../../../src-main/adapters/index.ts';
import { getMethod } from '../../../src-main/adapters/base/registry.ts';
import { describeUserFacing, UserError } from '../../../src-main/errors.ts';
import { loadModel } from '../../../src-main/models/index.ts';
import type { Model } from '../../../src-main/models/index.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-user-errors-');
const MODEL_DIR = path.join(HF_TINY_DIR, 'bert-seqcls/base');

let model: Model;
beforeAll(async () => {
  await useTestBackend();
  model = loadModel(MODEL_DIR);
});
afterAll(() => model.dispose());

const caught = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
};

describe('adapters throw the user-error type for user mistakes', () => {
  it.each([
    ['lora', ['nothing_here', 'nor_this'], /^lora\.targets \["nothing_here","nor_this"\] match no module/],
    ['dora', ['nothing_here'], /^dora\.targets \["nothing_here"\] match no module/],
    ['lora', 'query(', /^lora\.targets "query\(" is not a valid regular expression$/],
    ['ia3', ['nothing_here'], /^ia3\.targets \["nothing_here"\] match no module/],
  ])('%s with targets %j', (type, targets, expected) => {
    const before = tf.memory().numTensors;
    const err = caught(() => createAdapter(model, { type, targets } as never, 3, { numLabels: 2 }));
    expect(err).toBeInstanceOf(UserError);
    expect(describeUserFacing(err)).toMatch(expected);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a LoRA folder with lora_A but no lora_B names the missing tensor', () => {
    const module = 'bert.encoder.layer.0.attention.self.query';
    const weights = new Map([[`${module}.lora_A`, tf.zeros([4, 32])]]);
    const config = { type: 'lora', r: 4, alpha: 8, dropout: 0, rslora: false } as const;
    const err = caught(() => getMethod('lora').fromWeights(model, config, weights));
    tf.dispose([...weights.values()]);
    expect(err).toBeInstanceOf(UserError);
    expect(describeUserFacing(err)).toBe(`adapter has ${module}.lora_A but no ${module}.lora_B`);
  });
});

describe("a run's message for a bad lora.targets", () => {
  it('is one line naming the targets that matched nothing, not a stack trace', async () => {
    const project = (await handlers['projects:create']({ name: 'targets', parentDir: tmpDir })).path;
    // startRun skips the engine's pre-flight (the UI and CLI run it first): the training process meets the
    // mistake itself, as a run resumed or started by an older client would.
    const config = trainConfigSchema.parse({
      project,
      model: MODEL_DIR,
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method: { type: 'lora', targets: ['qurey', 'valeu'] },
      train: { epochs: 1, batchSize: 4, maxLength: 8 },
    });
    const run = startRun(ctx.projects.db(project), project, config, undefined, { STUDIO_BACKEND: 'cpu' });
    const outcome = await run.done;
    expect(outcome.status).toBe('failed');
    const view = await handlers['runs:get']({ project, runId: run.runId });
    expect(view.status).toBe('failed');
    expect(view.message).toMatch(/^lora\.targets \["qurey","valeu"\] match no module of this bert model/);
    expect(view.message).not.toContain('\n');
    expect(view.message).not.toMatch(/\bat .*\.ts:\d+/);
  }, 120_000);
});
