/**
 * adapters:merge (the Adapters page's "Merge adapters"): LoRA runs of a project merged into a new library entry that
 * lists, predicts in the playground, exports in PEFT format (loading back with identical logits), merges into the
 * base and bundles; and the one-line refusals.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdapter, readAdapterFolder } from '../../../src-main/adapters/io.ts';
import { loadBaseForAdapter } from '../../../src-main/adapters/base-for-adapter.ts';
import { createServiceContext } from '../../../src-main/services/context.ts';
import { createHandlers } from '../../../src-main/services/handlers.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { mergeOptionsSchema } from '../../../src-shared/merge.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { loadReference, maxAbsDiff } from '../../helpers/reference.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-merge-adapters-');
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
const opts = (o: Record<string, unknown>) => mergeOptionsSchema.parse(o);

async function train(name: string, extra: Partial<TrainConfigInput>): Promise<number> {
  const config = trainConfigSchema.parse({
    project,
    model: FIXTURE,
    name,
    dataset: { path: SENTIMENT },
    method: { type: 'lora', r: 2, alpha: 4 },
    train: { epochs: 1, batchSize: 8, lr: 0.01, maxLength: 12, seed: 1, dropout: false },
    ...extra,
  });
  const run = startRun(ctx.projects.db(project), project, config);
  const outcome = await run.done;
  expect(outcome.status, outcome.message).toBe('completed');
  return run.runId;
}

async function logits(adapterDir: string): Promise<Float32Array> {
  const model = loadBaseForAdapter(FIXTURE, adapterDir);
  const ref = loadReference(path.join(HF_TINY_DIR, 'bert-seqcls/lora'));
  const adapter = loadAdapter(model, adapterDir);
  const out = tf.tidy(() => model.forward(ref.inputs, { hooks: adapter.hooks }).logits);
  const data = (await out.data()) as Float32Array;
  tf.dispose(out);
  adapter.dispose();
  ref.dispose();
  model.dispose();
  return data;
}

beforeAll(async () => {
  await useTestBackend();
  project = (await handlers['projects:create']({ name: 'merging', parentDir: tmp.dir })).path;
  runs.a = await train('lora a', {});
  runs.b = await train('lora b', { train: { epochs: 1, batchSize: 8, lr: 0.02, maxLength: 12, seed: 2 } });
  runs.r4 = await train('lora r4', { method: { type: 'lora', r: 4, alpha: 4 } });
  runs.ia3 = await train('ia3', { method: { type: 'ia3' } });
}, 300_000);
afterAll(() => {
  ctx.inference.stop();
  ctx.projects.close();
  tmp.cleanup();
});

describe('adapters:merge', () => {
  it('adds a LoRA entry with its recipe that the playground, PEFT export, merged export and bundle take', async () => {
    const before = await handlers['adapters:list']({ project });
    const merged = await handlers['adapters:merge']({
      project,
      runIds: [runs.a as number, runs.b as number],
      options: opts({ type: 'ties', weights: [0.7, 0.5], density: 0.5 }),
    });
    expect(merged).toMatchObject({
      rank: 2,
      alpha: 2,
      modules: 4,
      name: `ties merge of #${runs.a} + #${runs.b}`,
    });
    expect(merged.bytes).toBeGreaterThan(0);
    const list = await handlers['adapters:list']({ project });
    expect(list.length).toBe(before.length + 1);
    expect(list.find((e) => e.runId === merged.runId)).toMatchObject({
      method: 'lora',
      labels: ['negative', 'positive'],
    });
    const run = await handlers['runs:get']({ project, runId: merged.runId });
    expect(run.config.merge).toMatchObject({
      type: 'ties',
      weights: [0.7, 0.5],
      density: 0.5,
      sources: [
        { runId: runs.a, name: 'lora a' },
        { runId: runs.b, name: 'lora b' },
      ],
    });

    const tried = await handlers['playground:predict']({
      project,
      model: FIXTURE,
      runIds: [merged.runId],
      text: 'a lovely film',
    });
    expect(tried.columns.at(-1)?.top?.length).toBeGreaterThan(0);

    const peft = await handlers['export:run']({
      project,
      runId: merged.runId,
      format: 'peft',
      out: 'exports/m',
    });
    expect(readAdapterFolder(peft.out).format).toBe('peft');
    const libraryDir = path.join(project, 'artifacts', `run-${merged.runId}`, 'adapter');
    expect(maxAbsDiff(await logits(peft.out), await logits(libraryDir))).toBe(0);
    const full = await handlers['export:run']({
      project,
      runId: merged.runId,
      format: 'merged',
      out: 'exports/full',
    });
    expect(fs.existsSync(path.join(full.out, 'config.json'))).toBe(true);
    const bundle = await handlers['export:run']({
      project,
      runId: merged.runId,
      format: 'bundle',
      out: 'exports/m.zip',
    });
    expect(bundle.files.map((f) => f.name)).toContain('adapter/adapter.safetensors');
  }, 120_000);

  it('refuses a non-LoRA adapter, different ranks for linear, a wrong weight count; nothing is kept', async () => {
    const count = (await handlers['adapters:list']({ project })).length;
    await expect(
      handlers['adapters:merge']({
        project,
        runIds: [runs.a as number, runs.ia3 as number],
        options: opts({ type: 'linear' }),
      }),
    ).rejects.toThrow(`run #${runs.ia3} (ia3) is a ia3 adapter: only LoRA adapters can be merged`);
    await expect(
      handlers['adapters:merge']({
        project,
        runIds: [runs.a as number, runs.r4 as number],
        options: opts({ type: 'linear' }),
      }),
    ).rejects.toThrow(
      /linear needs adapters of the same rank: #\d+ lora a has r=2, #\d+ lora r4 has r=4 \(use cat or svd\)/,
    );
    await expect(
      handlers['adapters:merge']({
        project,
        runIds: [runs.a as number, runs.b as number],
        options: opts({ type: 'linear', weights: [1, 2, 3] }),
      }),
    ).rejects.toThrow('2 adapters need 2 weights, got 3');
    expect((await handlers['adapters:list']({ project })).length).toBe(count);
    expect(fs.readdirSync(path.join(project, 'artifacts')).filter((f) => f.startsWith('.merge'))).toEqual([]);
    // cat takes different ranks: rank 2 + 4.
    const cat = await handlers['adapters:merge']({
      project,
      runIds: [runs.a as number, runs.r4 as number],
      options: opts({ type: 'cat' }),
      name: 'both',
    });
    expect([cat.rank, cat.name]).toEqual([6, 'both']);
  }, 120_000);

  it('refuses adapters of different base models and an out-of-range density', async () => {
    const db = ctx.projects.db(project);
    // A LoRA run recorded on another base (as an import of a bundle for another model would be).
    const row = db.prepare('SELECT config_json FROM runs WHERE id = ?').get(runs.b) as {
      config_json: string;
    };
    const other = { ...(JSON.parse(row.config_json) as object), model: 'default' };
    db.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run(JSON.stringify(other), runs.b);
    try {
      await expect(
        handlers['adapters:merge']({
          project,
          runIds: [runs.a as number, runs.b as number],
          options: opts({ type: 'svd' }),
        }),
      ).rejects.toThrow(/are adapters of different base models .*: merge adapters of one base/);
    } finally {
      db.prepare('UPDATE runs SET config_json = ? WHERE id = ?').run(row.config_json, runs.b);
    }
    expect(() => opts({ type: 'ties', density: 1.2 })).toThrow(/density must be between 0 and 1/);
  });
});
