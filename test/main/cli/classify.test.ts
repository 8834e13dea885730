import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { lastJsonLine, writeConfigFile } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-classify-');
afterAll(() => tmp.cleanup());

function studio(args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/studio.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
    timeout: 180_000,
  });
}

describe('studio classify (the playground on the command line)', () => {
  it('gives the base and each adapter top labels side by side, with swap times', () => {
    const project = path.join(tmp.dir, 'project');
    const config = writeConfigFile(path.join(tmp.dir, 'train.json'), {
      project,
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
      method: { type: 'lora', r: 2, alpha: 4 },
      train: { epochs: 1, batchSize: 8, maxLength: 12 },
    });
    const trained = studio(['train', '--config', config, '--json']);
    expect(trained.status, trained.stderr).toBe(0);
    const summary = lastJsonLine<{ adapterDir: string }>(trained.stdout);
    const adapter = path.isAbsolute(summary.adapterDir)
      ? summary.adapterDir
      : path.join(project, summary.adapterDir);

    const r = studio([
      'classify',
      '--model',
      path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      '--adapter',
      adapter,
      '--text',
      'a brilliant film',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const result = lastJsonLine<{
      columns: {
        key: string;
        top: { label: string; probability: number }[] | null;
        applyMs: number | null;
      }[];
    }>(r.stdout);
    expect(result.columns.map((c) => c.key)).toEqual(['base', adapter]);
    expect(result.columns[1]?.top?.map((t) => t.label).sort()).toEqual(['negative', 'positive']);
    expect(result.columns[1]?.applyMs).toBeGreaterThanOrEqual(0);

    const plain = studio(['classify', '--model', 'default', '--text', 'hello']);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/no trained classification head/);
  }, 240_000);

  it('names what is missing in one line', () => {
    const r = studio(['classify', '--model', path.join(HF_TINY_DIR, 'vit-imgcls/base'), '--text', 'x']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/image/);
  });
});
