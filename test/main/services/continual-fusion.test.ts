import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../src-main/adapters/schemas.ts';
import { insertRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { continualFusionConfig } from '../../../src-main/services/continual-fusion.ts';
import type { ContinualView } from '../../../src-shared/continual.ts';
import { continualConfigSchema } from '../../../src-shared/train-config.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-continual-fuse-');
const MODEL = path.join(HF_TINY_DIR, 'bert-seqcls/base');
const dataset = (name: string) => ({ path: path.join(OWN_FIXTURES_DIR, `datasets/continual-${name}.csv`) });
const TRAIN = { epochs: 2, batchSize: 8, lr: 0.01, maxLength: 12, seed: 1, dropout: false };

async function until(project: string, done: (views: ContinualView[]) => boolean): Promise<ContinualView[]> {
  const deadline = Date.now() + 240_000;
  let views = await handlers['continual:list']({ project });
  while (!done(views) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    views = await handlers['continual:list']({ project });
  }
  return views;
}

describe("a fusion over a continual run's tasks (continual:fuse)", () => {
  it('keeps each stage’s adapter, fuses them on a chosen task and lists the fusion under its sequence', async () => {
    const project = (await handlers['projects:create']({ name: 'cont-fuse', parentDir: tmpDir })).path;
    const { runId } = await handlers['continual:start']({
      config: continualConfigSchema.parse({
        project,
        model: MODEL,
        tasks: [
          { name: 'sentiment', dataset: dataset('sentiment') },
          { name: 'topic', dataset: dataset('topic') },
        ],
        method: { type: 'bottleneck', reductionFactor: 8 },
        train: TRAIN,
      }),
    });
    let views = await until(project, (v) => !['queued', 'running'].includes(v[0]?.run.status ?? 'running'));
    const sequence = views.find((v) => v.run.id === runId);
    expect(sequence?.run.status, sequence?.run.message ?? '').toBe('completed');
    // Every stage kept its adapter, with the labels of its own task.
    expect(sequence?.stageAdapters).toEqual(['sentiment', 'topic']);
    for (const stage of [1, 2]) {
      const folder = path.join(project, 'artifacts', `run-${runId}`, `stage-${stage}`, 'adapter');
      expect(fs.readdirSync(folder).length).toBeGreaterThan(0);
    }
    expect(sequence?.fusions).toEqual([]);

    const { runId: fusionId } = await handlers['continual:fuse']({
      project,
      runId,
      task: 'topic',
      epochs: 1,
    });
    views = await until(
      project,
      (v) => !['queued', 'running', undefined].includes(v[0]?.fusions[0]?.run.status),
    );
    const fusion = views.find((v) => v.run.id === runId)?.fusions[0];
    expect(fusion?.task).toBe('topic');
    expect(fusion?.run.id).toBe(fusionId);
    expect(fusion?.run.status, fusion?.run.message ?? '').toBe('completed');
    expect(fusion?.run.method).toBe('fuse');
    expect(fusion?.run.finalMetrics.accuracy).toBeGreaterThanOrEqual(0);
    // One epoch of the fusion, not the sequence's two: the fusion's own budget was used.
    expect(fusion?.run.config.train).toMatchObject({ epochs: 1, lr: TRAIN.lr, maxLength: TRAIN.maxLength });
    expect(fusion?.run.config.dataset).toEqual(dataset('topic'));
    // The fusion's run is an ordinary library entry; the continual run itself is not.
    const library = await handlers['adapters:list']({ project });
    expect(library.map((a) => a.runId)).toEqual([fusionId]);
  }, 300_000);

  it('refuses, in one line, what cannot be fused: another method, an unknown task, a run still training', async () => {
    const project = (await handlers['projects:create']({ name: 'cont-refuse', parentDir: tmpDir })).path;
    const db = ctx.projects.db(project);
    const sequence = (method: string, status: 'completed' | 'running') => {
      const id = insertRun(db, {
        name: 'seq',
        datasetId: null,
        baseModelId: null,
        method,
        config: {
          project,
          model: MODEL,
          tasks: [
            { name: 'a', dataset: dataset('sentiment') },
            { name: 'b', dataset: dataset('topic') },
          ],
          method: { type: method },
          train: TRAIN,
          protocol: 'continual',
        },
        createdAt: new Date().toISOString(),
      });
      updateRunStatus(db, id, { status });
      return id;
    };
    const lora = sequence('lora', 'completed');
    expect(() => continualFusionConfig(db, project, lora, 'a')).toThrow(
      /trained lora adapters; AdapterFusion fuses bottleneck/,
    );
    const running = sequence('bottleneck', 'running');
    expect(() => continualFusionConfig(db, project, running, 'a')).toThrow(/is running/);
    const old = sequence('bottleneck', 'completed');
    expect(() => continualFusionConfig(db, project, old, 'c')).toThrow(
      /"c" is not a task of continual run .* \(its tasks: a, b\)/,
    );
    // A sequence from before stage adapters were kept names what is missing.
    expect(() => continualFusionConfig(db, project, old, 'a')).toThrow(/no adapter kept for "a", "b"/);
    await expect(handlers['continual:fuse']({ project, runId: lora, task: 'a' })).rejects.toThrow(
      /bottleneck/,
    );
    expect((await handlers['runs:list']({ project })).length).toBe(3);
  });
});
