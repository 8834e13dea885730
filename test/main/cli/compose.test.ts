/**
 * `studio compose create|list|show|predict` and a `fuse` train config naming library runs, as a user runs them
 * from a shell (docs/CLI.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundResult } from '../../../src-shared/library.ts';
import { AppStore } from '../../../src-main/app/app-store.ts';
import { ProjectsService } from '../../../src-main/services/projects.ts';
import { useTestBackend } from '../../helpers/backend.ts';
import { seedAdapterRun } from '../../helpers/compose.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { bottleneck16 } from '../../helpers/methods.ts';
import { expectSuccess, expectUserError, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';
import { TINY_BERT } from '../../e2e/helpers/seed-runs.ts';

const tmp = tempDir('studio-cli-compose-');
const studio = studioCli(path.join(tmp.dir, 'home'));
let project = '';
const ids = { spam: 0, names: 0 };

beforeAll(async () => {
  await useTestBackend();
  const projects = new ProjectsService(new AppStore(path.join(tmp.dir, 'home')), tmp.dir);
  project = projects.create('cli compose', tmp.dir).path;
  const db = projects.db(project);
  const base = { method: bottleneck16('pfeiffer'), modelDir: TINY_BERT };
  ids.spam = await seedAdapterRun(db, project, { ...base, name: 'spam', labels: ['ham', 'spam'], seed: 1 });
  ids.names = await seedAdapterRun(db, project, {
    ...base,
    name: 'names',
    labels: ['female', 'male'],
    seed: 2,
  });
  projects.close();
}, 120_000);
afterAll(() => tmp.cleanup());

const inProject = ['--project', () => project] as const;
const args = (...a: (string | (() => string))[]) => a.map((x) => (typeof x === 'function' ? x() : x));

describe('studio compose', () => {
  it('creates a parallel composition, lists it, shows its recipe and predicts once per adapter', () => {
    const created = studio(
      args(
        'compose',
        'create',
        ...inProject,
        '--block',
        'parallel',
        '--runs',
        `${ids.spam},${ids.names}`,
        '--name',
        'both',
      ),
    );
    expectSuccess(created);
    const id = Number(created.stdout.trim());
    expect(id).toBe(3);
    const list = studio(args('compose', 'list', ...inProject));
    expectSuccess(list);
    expect(list.stdout).toMatch(/3 {2}compose +completed +both/);
    const shown = studio(args('compose', 'show', ...inProject, '--run', '3'));
    expectSuccess(shown);
    expect(shown.stdout).toMatch(/parallel\(#1 spam, #2 names\)/);
    expect(shown.stdout).toMatch(/\[0\] #1 spam \(bottleneck, sha256 [0-9a-f]{12}…\)/);
    const predicted = studio(
      args('compose', 'predict', ...inProject, '--run', '3', '--text', 'win a prize now', '--json'),
    );
    expectSuccess(predicted);
    const result = JSON.parse(predicted.stdout) as PlaygroundResult;
    const cols = result.columns.filter((c) => c.key !== 'base');
    expect(cols.map((c) => c.top?.map((t) => t.label).sort())).toEqual([
      ['ham', 'spam'],
      ['female', 'male'],
    ]);
    // The same recipe tried without saving answers the same.
    fs.writeFileSync(
      path.join(tmp.dir, 'recipe.json'),
      JSON.stringify({
        block: {
          block: 'parallel',
          children: [
            { block: 'adapter', source: 0 },
            { block: 'adapter', source: 1 },
          ],
        },
        runIds: [ids.spam, ids.names],
      }),
    );
    const tried = studio(
      args(
        'compose',
        'predict',
        ...inProject,
        '--recipe',
        path.join(tmp.dir, 'recipe.json'),
        '--text',
        'win a prize now',
        '--json',
      ),
    );
    expectSuccess(tried);
    const again = (JSON.parse(tried.stdout) as PlaygroundResult).columns.filter((c) => c.key !== 'base');
    expect(again.map((c) => c.top)).toEqual(cols.map((c) => c.top));
  });

  it('refuses a bad recipe in one line and records nothing', () => {
    expectUserError(
      studio(
        args('compose', 'create', ...inProject, '--block', 'average', '--runs', `${ids.spam},${ids.names}`),
      ),
      /average: the adapters answer different labels/,
    );
    expectUserError(
      studio(args('compose', 'create', ...inProject, '--block', 'blend', '--runs', '1,2')),
      /--block: one of stack/,
    );
    expectUserError(
      studio(
        args(
          'compose',
          'create',
          ...inProject,
          '--block',
          'batch-split',
          '--runs',
          '1,2',
          '--sizes',
          '1,1,1',
        ),
      ),
      /batch-split: 3 size\(s\) for 2 adapters/,
    );
    const list = studio(args('compose', 'list', ...inProject, '--json'));
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(1);
  });

  it('trains a fuse config over library runs named by id', () => {
    const config = path.join(tmp.dir, 'fuse.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        project,
        model: TINY_BERT,
        dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
        method: { type: 'fuse', adapters: [ids.spam, ids.names] },
        train: { epochs: 1, batchSize: 8, maxLength: 12, maxSteps: 3 },
      }),
    );
    const trained = studio(['train', '--config', config, '--json']);
    expectSuccess(trained);
    const list = studio(args('compose', 'list', ...inProject));
    expect(list.stdout).toMatch(/4 {2}fuse +completed/);
    const shown = studio(args('compose', 'show', ...inProject, '--run', '4'));
    expect(shown.stdout).toMatch(/fuse\(.*run-1.*run-2/);
  });
});
