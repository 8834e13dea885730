/**
 * A router run over library adapters named by run id, through the services the New-run form and `studio train`
 * use: its training data made from the adapters' own datasets (one class per adapter, held-out inputs from their
 * validation splits), a completed run whose metric is its routing accuracy, the playground answering over the union
 * of the adapters' labels and saying whom it routed to, and the round trip through a bundle export and import with
 * identical answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundResult } from '../../../src-shared/library.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { ROUTER_DATA_DIR } from '../../../src-main/services/router-data.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext, trainLibraryRun } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-router-svc-');
const FIXTURE = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const data = (f: string) => path.join(OWN_FIXTURES_DIR, 'datasets', f);
let project = '';
const runs: Record<string, number> = {};
const TEXT = 'felt goal story film';

const train = (name: string, extra: Partial<TrainConfigInput> = {}) =>
  trainLibraryRun(ctx, project, name, extra);

const predictOne = async (proj: string, runId: number) =>
  (
    await handlers['playground:predict']({ project: proj, model: FIXTURE, runIds: [runId], text: TEXT })
  ).columns.find((c) => c.key !== 'base') as PlaygroundResult['columns'][number];

beforeAll(async () => {
  await useTestBackend();
  project = (await handlers['projects:create']({ name: 'router', parentDir: tmpDir })).path;
  runs.sentiment = await train('sentiment adapter', {});
  runs.topic = await train('topic adapter', { dataset: { path: data('continual-topic.csv') } });
}, 300_000);

describe('a router run over library adapters', () => {
  it('learns from the adapters own datasets, answers over their labels and names whom it used', async () => {
    runs.router = await train('router', {
      method: {
        type: 'router',
        adapters: [runs.sentiment as number, runs.topic as number],
        mode: 'soft',
        perTask: 40,
      },
    });
    const run = await handlers['runs:get']({ project, runId: runs.router });
    expect(run.method).toBe('router');
    expect(run.trainableParams).toBeGreaterThan(0);
    // Its data: one class per adapter, in the order they were named; held-out inputs from their validation splits.
    const [dir] = fs.readdirSync(path.join(project, ROUTER_DATA_DIR));
    const read = (f: string) =>
      fs
        .readFileSync(path.join(project, ROUTER_DATA_DIR, dir as string, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string; label: string });
    const trainRows = read('train.jsonl');
    expect([...new Set(trainRows.map((r) => r.label))]).toEqual([
      '01 #1 sentiment adapter',
      '02 #2 topic adapter',
    ]);
    expect(trainRows).toHaveLength(80);
    const held = new Set(read('validation.jsonl').map((r) => r.text));
    expect(trainRows.filter((r) => held.has(r.text))).toEqual([]);
    expect(new Set(read('mixed-eval.jsonl').map((r) => r.label))).toEqual(
      new Set(['positive', 'negative', 'sport', 'cooking']),
    );

    // Scored on its own held-out data: the routing task's confusion matrix (task vs picked adapter).
    const routing = await handlers['runs:evaluate']({
      project,
      runId: runs.router,
      file: path.join(project, ROUTER_DATA_DIR, dir as string, 'validation.jsonl'),
    });
    expect(routing.labels).toEqual(['01 #1 sentiment adapter', '02 #2 topic adapter']);
    expect(routing.confusion.flat().reduce((a, b) => a + b, 0)).toBe(held.size);
    // On the mixed-task set: its answers, over the adapters' labels.
    const mixed = await handlers['runs:evaluate']({
      project,
      runId: runs.router,
      file: path.join(project, ROUTER_DATA_DIR, dir as string, 'mixed-eval.jsonl'),
    });
    expect([...mixed.labels].sort()).toEqual(['cooking', 'negative', 'positive', 'sport']);

    const col = await predictOne(project, runs.router);
    expect(col.top?.map((t) => t.label).sort()).toEqual(['cooking', 'negative', 'positive', 'sport']);
    expect(col.routing?.map((r) => r.adapter).sort()).toEqual(['#1 sentiment adapter', '#2 topic adapter']);
    expect(col.routing?.reduce((a, r) => a + r.weight, 0)).toBeCloseTo(1, 5);
  });

  it('round-trips through a bundle export and import with identical answers', async () => {
    const before = await predictOne(project, runs.router as number);
    const target = (await handlers['projects:create']({ name: 'imported', parentDir: tmpDir })).path;
    const bundle = await handlers['export:run']({
      project,
      runId: runs.router as number,
      format: 'bundle',
      out: `exports/router.zip`,
    });
    const imported = await handlers['export:import']({ project: target, bundle: bundle.out });
    const after = await predictOne(target, imported.runId);
    expect(after.top).toEqual(before.top);
    expect(after.routing).toEqual(before.routing);
  });
});

describe('a layers router run (X-LoRA style) over library adapters', () => {
  it('trains its gates on the tasks own answers, shows its weights per layer and round-trips a bundle', async () => {
    runs.layers = await train('layers router', {
      method: {
        type: 'router',
        adapters: [runs.sentiment as number, runs.topic as number],
        mode: 'layers',
        perTask: 40,
      },
    });
    const run = await handlers['runs:get']({ project, runId: runs.layers });
    expect(run.config.method).toMatchObject({ type: 'router', mode: 'layers' });
    const dir = fs
      .readdirSync(path.join(project, ROUTER_DATA_DIR))
      .find((d) => fs.existsSync(path.join(project, ROUTER_DATA_DIR, d, 'mixed-train.jsonl')));
    const file = (f: string) => path.join(project, ROUTER_DATA_DIR, dir as string, f);
    // Its training data: the adapters' training inputs with their own tasks' labels.
    const trainRows = fs.readFileSync(file('mixed-train.jsonl'), 'utf8').trim().split('\n');
    expect(trainRows).toHaveLength(80);
    expect(new Set(trainRows.map((l) => (JSON.parse(l) as { label: string }).label))).toEqual(
      new Set(['positive', 'negative', 'sport', 'cooking']),
    );
    // Its confusion matrix on the mixed-task held-out set is over the union of the adapters' labels.
    const mixed = await handlers['runs:evaluate']({
      project,
      runId: runs.layers,
      file: file('mixed-eval.jsonl'),
    });
    expect(mixed.labels).toEqual(['cooking', 'negative', 'positive', 'sport']);

    const col = await predictOne(project, runs.layers);
    expect(col.top?.map((t) => t.label).sort()).toEqual(['cooking', 'negative', 'positive', 'sport']);
    const layers = col.layers;
    expect(layers?.adapters).toEqual(['#1 sentiment adapter', '#2 topic adapter']);
    expect(layers?.slots.at(-1)).toBe('answer');
    expect(layers?.slots[0]).toBe('layer 0');
    for (const row of layers?.weights ?? []) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const target = (await handlers['projects:create']({ name: 'imported-layers', parentDir: tmpDir })).path;
    const bundle = await handlers['export:run']({
      project,
      runId: runs.layers,
      format: 'bundle',
      out: `exports/layers.zip`,
    });
    const imported = await handlers['export:import']({ project: target, bundle: bundle.out });
    const after = await predictOne(target, imported.runId);
    expect(after.top).toEqual(col.top);
    expect(after.layers).toEqual(col.layers);
  });
});
