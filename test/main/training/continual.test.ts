import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HF_TINY_DIR, OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-continual-');
afterAll(() => tmp.cleanup());

function continual(method: Record<string, unknown>, lr: number) {
  const file = path.join(tmp.dir, `${String(method.type)}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      project: path.join(tmp.dir, 'project'),
      model: path.join(HF_TINY_DIR, 'bert-seqcls/base'),
      tasks: [
        {
          name: 'sentiment',
          dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-sentiment.csv') },
        },
        { name: 'topic', dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/continual-topic.csv') } },
      ],
      method,
      train: { epochs: 8, batchSize: 8, lr, maxLength: 16, dropout: false },
    }),
  );
  const r = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/studio.mjs'), 'continual', '--config', file, '--json'],
    {
      encoding: 'utf8',
      env: { ...process.env, STUDIO_HOME: path.join(tmp.dir, 'home') },
      timeout: 300_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as {
    runId: number;
    tasks: string[];
    matrix: (number | null)[][];
    logitChange: (number | null)[][];
  };
}

describe('catastrophic-forgetting protocol (studio continual)', () => {
  it('adapters (one per task, base frozen) leave earlier tasks exactly unchanged', () => {
    const r = continual({ type: 'lora', r: 4, alpha: 8 }, 0.01);
    expect(r.tasks).toEqual(['sentiment', 'topic']);
    expect(r.matrix[1]?.[0]).toBe(r.matrix[0]?.[0]);
    expect(r.logitChange[1]?.[0]).toBe(0);
    expect(r.matrix[0]?.[1]).toBeNull();
  });

  it('full fine-tuning measurably degrades the earlier task', () => {
    const r = continual({ type: 'full' }, 0.002);
    const learned = r.matrix[0]?.[0] ?? 0;
    const after = r.matrix[1]?.[0] ?? 1;
    expect(learned).toBeGreaterThan(0.8);
    expect(learned - after).toBeGreaterThan(0.1);
    expect(r.logitChange[1]?.[0]).toBeGreaterThan(0.05);
  });
});
