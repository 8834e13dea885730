import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calls } from '../../../src-shared/contract.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { trainingEnv } from '../../../src-main/services/settings.ts';
import { startRun } from '../../../src-main/services/training.ts';
import type { FromWorker } from '../../../src-main/training/protocol.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { serviceTestContext } from '../../helpers/service-context.ts';

const { ctx, handlers, dir: tmpDir } = serviceTestContext('studio-settings-');

describe('training settings (settings:get / settings:set)', () => {
  it('start automatic, are kept in the app store, and reach new training processes', async () => {
    const initial = await handlers['settings:get']({});
    expect(initial).toMatchObject({ threads: null, backend: null });
    expect(initial.cores).toBeGreaterThan(0);
    expect(trainingEnv(ctx.store)).toEqual({});

    const saved = await handlers['settings:set']({ threads: 1, backend: 'cpu' });
    expect(saved).toMatchObject({ threads: 1, backend: 'cpu' });
    expect(trainingEnv(ctx.store)).toEqual({ STUDIO_THREADS: '1', STUDIO_BACKEND: 'cpu' });

    const project = (await handlers['projects:create']({ name: 'settings', parentDir: tmpDir })).path;
    const config = trainConfigSchema.parse({
      project,
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method: { type: 'head' },
      train: { epochs: 1, batchSize: 4, maxLength: 8 },
    });
    let backend = '';
    const run = startRun(
      ctx.projects.db(project),
      project,
      config,
      (m: FromWorker) => {
        if (m.type === 'started') backend = m.backend;
      },
      trainingEnv(ctx.store),
    );
    expect((await run.done).status).toBe('completed');
    expect(backend).toBe('cpu');
    // The run's log: what the training process reported, line by line, readable through the contract.
    const log = await handlers['runs:log']({ project, runId: run.runId, since: 0 });
    expect(log.lines[0]).toMatch(/info +started on cpu: [\d,]+ of [\d,]+ parameters train/);
    expect(log.lines.some((l) => /eval at step \d+: .*accuracy/.test(l))).toBe(true);
    expect(log.lines.at(-1)).toMatch(/completed$/);
    expect((await handlers['runs:log']({ project, runId: run.runId, since: log.total })).lines).toEqual([]);

    await handlers['settings:set']({ threads: null, backend: null });
    expect(trainingEnv(ctx.store)).toEqual({});
  }, 120_000);

  it('refuses an unknown backend or a thread count below one at the boundary', () => {
    // Every transport validates with the contract's schema before a handler runs.
    const schema = calls['settings:set'].args;
    expect(schema.safeParse({ threads: 2, backend: 'wasm' }).success).toBe(true);
    expect(schema.safeParse({ threads: 0, backend: null }).success).toBe(false);
    expect(schema.safeParse({ threads: null, backend: 'tpu' }).success).toBe(false);
  });
});
