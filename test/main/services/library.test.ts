import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { ModelCache, predict } from '../../../src-main/inference/predict.ts';
import { modelInfo } from '../../../src-main/models/info.ts';
import { createServiceContext } from '../../../src-main/services/context.ts';
import { createHandlers } from '../../../src-main/services/handlers.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-library-');
const ctx = createServiceContext({
  mode: 'web',
  version: '0.0.0-test',
  userDataDir: path.join(tmp.dir, 'home'),
});
const handlers = createHandlers(ctx);
const FIXTURE = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const SENTIMENT = path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv');
let project = '';
const runs: Record<string, number> = {};

async function train(name: string, extra: Partial<TrainConfigInput>): Promise<number> {
  const config = trainConfigSchema.parse({
    project,
    model: FIXTURE,
    name,
    dataset: { path: SENTIMENT },
    method: { type: 'lora', r: 2, alpha: 4 },
    train: { epochs: 2, batchSize: 8, lr: 0.01, maxLength: 12, seed: 1, dropout: false },
    ...extra,
  });
  const run = startRun(ctx.projects.db(project), project, config);
  const outcome = await run.done;
  expect(outcome.status, outcome.message).toBe('completed');
  return run.runId;
}

beforeAll(async () => {
  await useTestBackend();
  project = (await handlers['projects:create']({ name: 'library', parentDir: tmp.dir })).path;
  runs.bottleneck = await train('bottleneck on sentiment', { method: { type: 'bottleneck' } });
  runs.lora = await train('lora on sentiment', {});
  // The bundled default model has no classifier: the adapter brings its head.
  runs.onDefault = await train('lora on the default model', { model: 'default' });
}, 300_000);
afterAll(() => {
  ctx.inference.stop();
  ctx.projects.close();
  tmp.cleanup();
});

describe('models (models:list / add / remove)', () => {
  it('lists the bundled default model first, then the folders the project trained on', async () => {
    const list = await handlers['models:list']({ project });
    expect(list[0]).toMatchObject({
      model: 'default',
      bundled: true,
      architecture: 'bert',
      layers: 4,
      heads: 4,
    });
    expect(list[0]?.tokenizer).not.toBeNull();
    expect(list[0]?.runs).toBe(1);
    // The CLIP this project pretrained is listed after the bundled decoder, under the name configs and
    // `studio zero-shot` use.
    expect(list[2]).toMatchObject({
      model: 'studio-clip-small',
      bundled: true,
      architecture: 'clip',
      inputKind: 'image-text',
      error: null,
      runs: 0,
    });
    const fixture = list.find((m) => m.path === FIXTURE);
    expect(fixture?.runs).toBe(2);
    expect(fixture?.bytesOnDisk).toBeGreaterThan(0);
  });

  it('adds a folder after checking it, refuses a broken one with its one-line reason, and removes unused ones', async () => {
    const gpt2 = path.join(HF_TINY_DIR, 'gpt2-lm/base');
    const added = await handlers['models:add']({ project, path: gpt2 });
    expect(added).toMatchObject({ architecture: 'gpt2', inputKind: 'text', runs: 0, error: null });
    // The playground asks for an image or a text by what the architecture declares (models/<arch>/spec.ts).
    const vit = await handlers['models:add']({ project, path: path.join(HF_TINY_DIR, 'vit-imgcls/base') });
    expect(vit).toMatchObject({ architecture: 'vit', inputKind: 'image', error: null });
    await handlers['models:remove']({ project, id: vit.id as number });
    const empty = path.join(tmp.dir, 'not-a-model');
    fs.mkdirSync(empty);
    await expect(handlers['models:add']({ project, path: empty })).rejects.toThrow(/config\.json/);
    const id = added.id as number;
    await handlers['models:remove']({ project, id });
    expect((await handlers['models:list']({ project })).some((m) => m.path === gpt2)).toBe(false);
    const used = (await handlers['models:list']({ project })).find((m) => m.path === FIXTURE);
    await expect(handlers['models:remove']({ project, id: used?.id as number })).rejects.toThrow(/2 run/);
  });
});

describe('the adapter library and the playground', () => {
  it('lists every completed run that kept an adapter, with its labels and size', async () => {
    const list = await handlers['adapters:list']({ project });
    expect(list.map((a) => a.runId).sort()).toEqual(Object.values(runs).sort());
    const lora = list.find((a) => a.runId === runs.lora);
    expect(lora).toMatchObject({ method: 'lora', dataset: 'continual-sentiment.csv' });
    expect(lora?.labels.sort()).toEqual(['negative', 'positive']);
    expect(lora?.bytes).toBeGreaterThan(0);
  });

  it('predicts with the base and each adapter side by side, with swap times, while main keeps answering', async () => {
    const pending = handlers['playground:predict']({
      project,
      model: FIXTURE,
      runIds: [runs.bottleneck as number, runs.lora as number],
      text: 'the story was brilliant',
    });
    let settled = false;
    void pending.finally(() => (settled = true));
    // The first request starts the inference process and loads the model; main answers meanwhile.
    expect((await handlers['projects:list']({})).length).toBeGreaterThan(0);
    expect(settled).toBe(false);
    const result = await pending;
    expect(result.columns.map((c) => c.key)).toEqual(['base', String(runs.bottleneck), String(runs.lora)]);
    for (const c of result.columns.slice(1)) {
      expect(c.note).toBeNull();
      expect(c.top?.map((t) => t.label).sort()).toEqual(['negative', 'positive']);
      expect(c.top?.reduce((a, t) => a + t.probability, 0)).toBeCloseTo(1, 5);
      expect(c.applyMs).toBeGreaterThanOrEqual(0);
      expect(c.removeMs).toBeGreaterThanOrEqual(0);
    }
    // The fixture base is a classifier, but for LABEL_0..2, not for the adapters' labels: it says so plainly.
    expect(result.columns[0]?.top).toBeNull();
    expect(result.columns[0]?.note).toMatch(/no trained head for these labels \(negative, positive\)/);
    // Alone, the base answers with its own head.
    const alone = await handlers['playground:predict']({ project, model: FIXTURE, runIds: [], text: 'x y' });
    expect(alone.loadMs).toBeNull(); // still loaded from the request above
    expect(alone.columns[0]?.top?.map((t) => t.label).sort()).toEqual(['LABEL_0', 'LABEL_1', 'LABEL_2']);
  }, 120_000);

  it('puts an adapter trained on the default model on the base loaded as its classifier', async () => {
    const result = await handlers['playground:predict']({
      project,
      model: 'default',
      runIds: [runs.onDefault as number],
      text: 'felt really brilliant',
    });
    expect(result.columns[0]?.top).toBeNull();
    expect(result.columns[0]?.note).toMatch(/no trained classification head/);
    expect(result.columns[1]?.top?.map((t) => t.label).sort()).toEqual(['negative', 'positive']);
  }, 120_000);

  it('says what is wrong instead of predicting (no text, an unknown run)', async () => {
    await expect(
      handlers['playground:predict']({ project, model: FIXTURE, runIds: [], text: ' ' }),
    ).rejects.toThrow(/type a text/);
    await expect(
      handlers['playground:predict']({ project, model: FIXTURE, runIds: [999], text: 'x' }),
    ).rejects.toThrow(/run 999/);
  });

  it('leaves tf.memory().numTensors unchanged across predictions once the base is loaded', async () => {
    const cache = new ModelCache();
    const adapters = [{ key: 'lora', title: 'lora', dir: adapterDir(runs.lora as number) }];
    await predict(cache, { model: FIXTURE, adapters, text: 'warm up' });
    const before = tf.memory().numTensors;
    for (const text of ['one', 'two words', 'a longer text to classify'])
      await predict(cache, { model: FIXTURE, adapters, text });
    expect(tf.memory().numTensors).toBe(before);
    cache.dispose();
  });

  it('keeps one base loaded (keyed by folder and content) and evicts it when another base is chosen', () => {
    const cache = new ModelCache();
    const before = tf.memory().numTensors;
    expect(cache.get(FIXTURE, undefined).loadMs).not.toBeNull();
    expect(cache.get(FIXTURE, undefined).loadMs).toBeNull();
    const loaded = tf.memory().numTensors;
    cache.get(path.join(HF_TINY_DIR, 'distilbert-seqcls/base'), undefined);
    expect(cache.size).toBe(1);
    // The first base's tensors are gone: coming back loads it again.
    expect(cache.get(FIXTURE, undefined).loadMs).not.toBeNull();
    expect(tf.memory().numTensors).toBe(loaded);
    // A copy of the folder with other weights is another model, even under the same path.
    const copy = path.join(tmp.dir, 'changed-base');
    fs.cpSync(FIXTURE, copy, { recursive: true });
    cache.get(copy, undefined);
    const weights = path.join(copy, 'model.safetensors');
    const bytes = fs.readFileSync(weights);
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1; // flip one bit of the last weight
    fs.writeFileSync(weights, bytes);
    fs.utimesSync(weights, new Date(), new Date(Date.now() + 5_000));
    expect(cache.get(copy, undefined).loadMs).not.toBeNull();
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

function adapterDir(runId: number): string {
  const db = ctx.projects.db(project);
  const row = db
    .prepare(`SELECT path FROM artifacts WHERE run_id = ? AND kind = 'adapter' ORDER BY id DESC LIMIT 1`)
    .get(runId) as { path: string };
  return path.join(project, row.path);
}

describe('New run: preview and presets', () => {
  const cfg = (extra: Partial<TrainConfigInput> = {}) =>
    trainConfigSchema.parse({
      project,
      model: FIXTURE,
      dataset: { path: SENTIMENT },
      method: { type: 'lora', r: 2, alpha: 4 },
      train: { epochs: 2, batchSize: 8, lr: 0.01, maxLength: 12, seed: 1, dropout: false },
      ...extra,
    });

  it('previews exactly the trainable and total parameters the run reported, and changes with the method', async () => {
    const run = await handlers['runs:get']({ project, runId: runs.lora as number });
    const preview = await handlers['runs:preview']({ config: cfg() });
    // The run, its preview and the Models page give the base model one parameter count.
    expect(run.totalParams).toBe(modelInfo(FIXTURE).parameters);
    // Issue #21: the default model was 5.46 M on Models and 5.45 M on its runs (the run's graph, a new head).
    const defaultRun = await handlers['runs:get']({ project, runId: runs.onDefault as number });
    expect(modelInfo('default').parameters).toBe(5_462_784);
    expect(defaultRun.totalParams).toBe(5_462_784);
    expect(preview.trainableParams).toBe(run.trainableParams);
    expect(preview.totalParams).toBe(run.totalParams);
    expect(preview.merges).toBe(true);
    expect(preview.labels).toBe(2);
    expect(preview.memoryMB.total).toBeGreaterThan(preview.memoryMB.weights);
    const onDefault = await handlers['runs:get']({ project, runId: runs.onDefault as number });
    expect((await handlers['runs:preview']({ config: cfg({ model: 'default' }) })).trainableParams).toBe(
      onDefault.trainableParams,
    );
    const bottleneck = await handlers['runs:preview']({ config: cfg({ method: { type: 'bottleneck' } }) });
    expect(bottleneck.merges).toBe(false);
    expect(bottleneck.trainableParams).not.toBe(preview.trainableParams);
    await expect(handlers['runs:preview']({ config: cfg({ method: { type: 'conv' } }) })).rejects.toThrow();
    // Full fine-tuning (its head resized for the labels) leaves the cached base as it was for the next preview.
    const full = await handlers['runs:preview']({ config: cfg({ method: { type: 'full' } }) });
    // Of the base as its files count it (the Models page's number): the fixture's 3-label classifier is replaced
    // by one for this dataset's 2 labels, so full fine-tuning trains one row (64 weights + 1 bias) fewer.
    expect(full.totalParams).toBe(modelInfo(FIXTURE).parameters);
    expect(full.trainableParams).toBe(full.totalParams - (64 + 1));
    expect((await handlers['runs:preview']({ config: cfg() })).trainableParams).toBe(preview.trainableParams);
  }, 120_000);

  it('saves, overwrites, lists and deletes presets per project', async () => {
    const { project: _p, ...config } = cfg();
    const saved = await handlers['presets:save']({ project, name: 'quick lora', config });
    expect(saved.config).toMatchObject({ method: { type: 'lora', r: 2 } });
    await handlers['presets:save']({
      project,
      name: 'quick lora',
      config: { ...config, method: { type: 'ia3' } },
    });
    const list = await handlers['presets:list']({ project });
    expect(list).toHaveLength(1);
    expect(list[0]?.config).toMatchObject({ method: { type: 'ia3' } });
    await handlers['presets:delete']({ project, id: list[0]?.id as number });
    expect(await handlers['presets:list']({ project })).toEqual([]);
    await expect(handlers['presets:delete']({ project, id: 999 })).rejects.toThrow(/preset 999/);
  });
});
