/**
 * A layers router (X-LoRA style) from a shell (docs/CLI.md): `studio train` with `"mode": "layers"` over library runs
 * named by id, then `studio compose predict` printing its answer, the answer's weights and a row per layer with each
 * adapter's weight.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { ProjectsService } from '../../../src-main/services/projects.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { seedAdapterRun } from '../../helpers/compose.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { expectSuccess, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';
import { TINY_BERT } from '../../e2e/helpers/seed-runs.ts';

const tmp = tempDir('studio-cli-router-layers-');
const studio = studioCli(path.join(tmp.dir, 'home'));
let project = '';

beforeAll(async () => {
  await useTestBackend();
  const projects = new ProjectsService(new AppStore(path.join(tmp.dir, 'home')), tmp.dir);
  project = projects.create('cli layers', tmp.dir).path;
  const db = projects.db(project);
  const base = { method: bottleneck16('pfeiffer'), modelDir: TINY_BERT };
  await seedAdapterRun(db, project, { ...base, name: 'spam', labels: ['ham', 'spam'], seed: 1 });
  await seedAdapterRun(db, project, {
    ...base,
    name: 'names',
    dataset: 'first-names',
    labels: ['female', 'male'],
    seed: 2,
  });
  projects.close();
}, 120_000);
afterAll(() => tmp.cleanup());

describe('studio train with a layers router, then compose predict', () => {
  it('trains the gates and prints the per-layer weights', () => {
    const config = path.join(tmp.dir, 'layers.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        project,
        model: TINY_BERT,
        name: 'layers router',
        dataset: { sample: 'first-names' },
        method: { type: 'router', adapters: [1, 2], mode: 'layers', topK: 1, perTask: 12 },
        train: { epochs: 1, batchSize: 8, maxLength: 12, maxSteps: 2 },
      }),
    );
    const trained = studio(['train', '--config', config, '--json']);
    expectSuccess(trained);
    expect(JSON.parse(trained.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      runId: 3,
      status: 'completed',
    });
    const predicted = studio(['compose', 'predict', '--project', project, '--run', '3', '--text', 'Maria']);
    expectSuccess(predicted);
    const lines = predicted.stdout.split('\n');
    expect(lines.some((l) => /#1 spam +#2 names/.test(l))).toBe(true);
    // top-k 1: each layer's row is one adapter at 100% and the other at 0%.
    for (const slot of ['layer 0', 'layer 1', 'answer']) {
      const row = lines.find((l) => l.trim().startsWith(slot)) ?? '';
      expect(row.trim().split(/\s+/).slice(-2).sort()).toEqual(['0.0%', '100.0%']);
    }
  });
});
