/**
 * The CLI as scripts/bundle-cli.mjs bundles it for the GPU machine, which has Node but no TypeScript loader: the
 * bundled `studio train` must start its bundled training worker, never bin/run-ts.mjs (tsx). The test lays out an
 * app folder with every package but tsx and no bin/ folder, so a fallback to the sources cannot pass.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { WORKER_ENTRIES } from '../../../scripts/electron-build-config.mjs';
import { WORKERS, bundledWorkerBeside } from '../../../src-main/process/worker-launch.ts';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { writeConfigFile } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-node-bundle-');
afterAll(() => tmp.cleanup());

describe('the bundled CLI (scripts/bundle-cli.mjs)', () => {
  it('lists the same workers as the launcher, and finds none beside the sources', () => {
    expect(WORKER_ENTRIES).toEqual(WORKERS);
    expect(bundledWorkerBeside('training')).toBeNull();
  });

  it('trains with no tsx installed: the CLI starts the training worker bundled beside it', () => {
    const app = path.join(tmp.dir, 'app');
    fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(app, 'package.json'));
    for (const name of fs.readdirSync(path.join(REPO_ROOT, 'node_modules')))
      if (name !== 'tsx' && name !== '.bin')
        fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(app, 'node_modules', name));
    for (const dir of ['models', 'resources']) fs.symlinkSync(path.join(REPO_ROOT, dir), path.join(app, dir));
    const built = spawnSync(process.execPath, ['scripts/bundle-cli.mjs', path.join(app, 'dist-cli')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    expect(fs.readdirSync(path.join(app, 'dist-cli')).sort()).toEqual([
      'data-worker.mjs',
      'inference-worker.mjs',
      'serving-worker.mjs',
      'studio.mjs',
      'training-worker.mjs',
    ]);

    const project = path.join(tmp.dir, 'project');
    const config = writeConfigFile(path.join(tmp.dir, 'train.json'), {
      project,
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
      method: { type: 'lora', r: 2, alpha: 4 },
      train: { epochs: 1, batchSize: 8, maxLength: 12, maxSteps: 2 },
    });
    const trained = spawnSync(
      process.execPath,
      [path.join(app, 'dist-cli/studio.mjs'), 'train', '--config', config],
      {
        cwd: tmp.dir,
        encoding: 'utf8',
        env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home'), NODE_OPTIONS: '' },
        timeout: 180_000,
      },
    );
    expect(trained.status, `${trained.stdout}\n${trained.stderr}`).toBe(0);
    expect(fs.existsSync(path.join(project, 'artifacts/run-1/adapter'))).toBe(true);
  }, 240_000);
});
