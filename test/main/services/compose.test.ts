/**
 * Compositions in the library, through the handlers the Compose page calls: try (the playground on a draft),
 * save (a `compose` run), a fusion run over library adapters named by run id, and the round trip of both through a
 * bundle export and import with identical predictions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComposeBlock } from '../../../src-shared/compose.ts';
import type { PlaygroundResult } from '../../../src-shared/library.ts';
import type { TrainConfigInput } from '../../../src-shared/train-config.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext, trainLibraryRun } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-compose-svc-');
const FIXTURE = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const data = (f: string) => path.join(OWN_FIXTURES_DIR, 'datasets', f);
let project = '';
const runs: Record<string, number> = {};
const TEXT = 'felt goal story film';

const train = (name: string, extra: Partial<TrainConfigInput> = {}) =>
  trainLibraryRun(ctx, project, name, extra);

const leaf = (source: number): ComposeBlock => ({ block: 'adapter', source });
const tops = (r: PlaygroundResult) => r.columns.filter((c) => c.key !== 'base').map((c) => c.top);
const single = async (runId: number) =>
  tops(await handlers['playground:predict']({ project, model: FIXTURE, runIds: [runId], text: TEXT }))[0];

beforeAll(async () => {
  await useTestBackend();
  project = (await handlers['projects:create']({ name: 'compose', parentDir: tmpDir })).path;
  runs.sentiment = await train('sentiment adapter', {});
  runs.topic = await train('topic adapter', { dataset: { path: data('continual-topic.csv') } });
}, 300_000);

describe('compose:try and compose:save', () => {
  it('parallel answers once per adapter, each as that adapter alone, with its own labels', async () => {
    const block: ComposeBlock = { block: 'parallel', children: [leaf(0), leaf(1)] };
    const tried = await handlers['compose:try']({
      project,
      block,
      runIds: [runs.sentiment as number, runs.topic as number],
      text: TEXT,
    });
    const cols = tried.columns.filter((c) => c.key !== 'base');
    expect(cols.map((c) => c.title)).toEqual([
      'Composition: #1 sentiment adapter',
      'Composition: #2 topic adapter',
    ]);
    const [a, b] = [await single(runs.sentiment as number), await single(runs.topic as number)];
    for (const [got, want] of [
      [cols[0]?.top, a],
      [cols[1]?.top, b],
    ] as const) {
      expect(got?.map((t) => t.label)).toEqual(want?.map((t) => t.label));
      got?.forEach((t, i) => expect(t.probability).toBeCloseTo(want?.[i]?.probability ?? -1, 5));
    }
    // Nothing is left behind by a try.
    expect(fs.readdirSync(path.join(project, 'artifacts')).filter((f) => f.includes('compose'))).toEqual([]);
  });

  it('saves a composition as a library entry that the playground answers exactly as the try did', async () => {
    const block: ComposeBlock = { block: 'stack', children: [leaf(0), leaf(1)] };
    const runIds = [runs.sentiment as number, runs.topic as number];
    const tried = await handlers['compose:try']({ project, block, runIds, text: TEXT });
    const saved = await handlers['compose:save']({ project, block, runIds, name: 'sentiment under topic' });
    expect(saved.outputs).toEqual([
      { title: 'composition', labels: expect.arrayContaining(['sport', 'cooking']) },
    ]);
    const entry = (await handlers['adapters:list']({ project })).find((a) => a.runId === saved.runId);
    expect(entry).toMatchObject({ name: 'sentiment under topic', method: 'compose' });
    const run = await handlers['runs:get']({ project, runId: saved.runId });
    expect(run).toMatchObject({ status: 'completed', trainableParams: 0 });
    expect(await single(saved.runId)).toEqual(tops(tried)[0]);
    runs.stack = saved.runId;
  });

  it('refuses a broken recipe before anything is recorded', async () => {
    const before = (await handlers['runs:list']({ project })).length;
    await expect(
      handlers['compose:save']({
        project,
        block: { block: 'average', children: [leaf(0), leaf(1)] },
        runIds: [runs.sentiment as number, runs.topic as number],
      }),
    ).rejects.toThrow(/answer different labels/);
    await expect(
      handlers['compose:save']({
        project,
        block: { block: 'stack', children: [leaf(0), leaf(1)] },
        runIds: [runs.sentiment as number, 99],
      }),
    ).rejects.toThrow(/run 99/);
    expect((await handlers['runs:list']({ project })).length).toBe(before);
  });
});

describe('a fusion run over library adapters, and bundles', () => {
  it('trains fuse over run ids, and a composition and a fusion round-trip through bundles with identical outputs', async () => {
    runs.fuse = await train('fusion on sentiment', {
      method: { type: 'fuse', adapters: [runs.sentiment as number, runs.topic as number] },
    });
    const run = await handlers['runs:get']({ project, runId: runs.fuse });
    expect(run.method).toBe('fuse');
    expect(run.trainableParams).toBeGreaterThan(0);
    const target = (await handlers['projects:create']({ name: 'imported', parentDir: tmpDir })).path;
    for (const id of [runs.fuse, runs.stack] as number[]) {
      const before = await single(id);
      const bundle = await handlers['export:run']({
        project,
        runId: id,
        format: 'bundle',
        out: `exports/${id}.zip`,
      });
      const imported = await handlers['export:import']({ project: target, bundle: bundle.out });
      const after = tops(
        await handlers['playground:predict']({
          project: target,
          model: FIXTURE,
          runIds: [imported.runId],
          text: TEXT,
        }),
      )[0];
      expect(after).toEqual(before);
    }
  });
});
