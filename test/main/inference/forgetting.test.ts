import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/engine/backends.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { openDatabase } from '../../../src-main/db/open.ts';
import { initProject } from '../../../src-main/db/tables/project.ts';
import { evenlySpaced, passages, sampledRows } from '../../../src-main/inference/forgetting-reference.ts';
import { scoreForgetting } from '../../../src-main/inference/forgetting.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-forget-');
const SMALL = path.join(OWN_FIXTURES_DIR, 'datasets/small.csv');
const TOPIC = path.join(OWN_FIXTURES_DIR, 'datasets/continual-topic.csv');

/** Trains one short run of `method` on the bundled default model; returns its saved folder. */
async function train(name: string, method: TrainConfigInput['method']): Promise<string> {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const db = openDatabase(path.join(dir, 'studio.db'));
  initProject(db, { name, createdAt: new Date().toISOString() });
  const config = trainConfigSchema.parse({
    project: dir,
    model: 'default',
    dataset: { path: SMALL },
    method,
    train: { epochs: 3, batchSize: 4, lr: 0.01, maxLength: 24, seed: 1, dropout: false },
  });
  const run = startRun(db, dir, config);
  const outcome = await run.done;
  db.close();
  expect(outcome.status).toBe('completed');
  return path.join(dir, `artifacts/run-${run.runId}/adapter`);
}

let lora = '';
let full = '';
beforeAll(async () => {
  // The engine's own backend (wasm here), as the engine process scores.
  await initBackend();
  [lora, full] = await Promise.all([
    train('lora', { type: 'lora', r: 4, alpha: 8 }),
    train('full', { type: 'full' }),
  ]);
}, 240_000);
afterAll(() => tmp.cleanup());

const score = (adapterDir: string, reference: { path: string } | { sample: string }, maxExamples = 6) =>
  scoreForgetting({ model: 'default', adapterDir, reference, maxExamples, maxLength: 32 });

describe('forgetting: a reference set scored before and after a run', () => {
  it('an adapter leaves the base untouched: zero change on a corpus and on an earlier task, all tensors freed', async () => {
    const before = tf.memory().numTensors;
    const corpus = await score(lora, { sample: 'moby-dick' });
    const task = await score(lora, { path: TOPIC }, 40);
    expect(tf.memory().numTensors).toBe(before);
    expect(corpus.scores.baseWeightsChanged).toBe(0);
    expect(corpus.scores.baseWeights).toBeGreaterThan(10);
    expect(corpus.referenceSource).toBe('sample:moby-dick');
    expect(corpus.scores.examples).toBe(6);
    const lm = corpus.scores.lm!;
    expect(lm.objective).toBe('masked-lm');
    expect(lm.tokens).toBeGreaterThan(10);
    expect(Number.isFinite(lm.lossBefore) && lm.lossBefore > 0).toBe(true);
    expect(lm.lossAfter).toBe(lm.lossBefore);
    expect(lm.perplexityBefore).toBeCloseTo(Math.exp(lm.lossBefore), 6);
    expect(lm.agreement).toBe(1);
    expect(corpus.scores.classification).toBeNull();
    const c = task.scores.classification!;
    expect(c.labels.length).toBeGreaterThanOrEqual(2);
    expect(c.lossAfter).toBe(c.lossBefore);
    expect(c.accuracyAfter).toBe(c.accuracyBefore);
    expect(c.agreement).toBe(1);
    // The probe learned the earlier task from the base's features (better than chance).
    expect(c.accuracyBefore).toBeGreaterThan(1 / c.labels.length);
  });

  it('full fine-tuning changes the base: a measurable change on the same reference sets', async () => {
    const corpus = await score(full, { sample: 'moby-dick' });
    const task = await score(full, { path: TOPIC }, 40);
    expect(corpus.scores.baseWeightsChanged).toBeGreaterThan(10);
    const lm = corpus.scores.lm!;
    expect(Math.abs(lm.lossAfter - lm.lossBefore)).toBeGreaterThan(1e-3);
    expect(lm.agreement).toBeLessThan(1);
    const c = task.scores.classification!;
    expect(Math.abs(c.lossAfter - c.lossBefore)).toBeGreaterThan(1e-4);
    // The same reference scores the same "before" whatever the run: it is the base model's.
    const loraCorpus = await score(lora, { sample: 'moby-dick' });
    expect(lm.lossBefore).toBeCloseTo(loraCorpus.scores.lm!.lossBefore, 5);
  });

  it('refuses an image reference and a missing file with one line', async () => {
    await expect(score(lora, { path: path.join(tmp.dir, 'nope.csv') })).rejects.toThrow(
      /nope\.csv: no such file/,
    );
  });
});

describe('reference sampling', () => {
  it('takes evenly spaced examples, all when there are few', () => {
    expect(evenlySpaced(10, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(evenlySpaced(3, 5)).toEqual([0, 1, 2]);
  });

  it('draws table rows with a fixed seed, so alternating labels are not aliased', () => {
    const rows = sampledRows(80, 40);
    expect(rows).toEqual(sampledRows(80, 40));
    expect(new Set(rows).size).toBe(40);
    expect(rows.filter((r) => r % 2 === 0).length).toBeGreaterThan(10);
    expect(rows.filter((r) => r % 2 === 1).length).toBeGreaterThan(10);
    expect([...rows].sort((a, b) => a - b)).toEqual(rows);
  });

  it('cuts a corpus into passages of whole lines', () => {
    const text = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n\n');
    const p = passages(text);
    expect(p.length).toBeGreaterThan(2);
    for (const s of p) expect(s.length).toBeLessThanOrEqual(500);
    expect(p.join(' ').split('line ').length - 1).toBe(40);
  });
});
