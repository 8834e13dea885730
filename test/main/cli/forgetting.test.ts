import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/open.ts';
import { forgettingForRun } from '../../../src-main/db/tables/forgetting.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { expectSuccess, expectUserError, studioCli } from '../../helpers/studio-cli.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-cli-forget-');
afterAll(() => tmp.cleanup());
const studio = studioCli(path.join(tmp.dir, 'home'));
const project = path.join(tmp.dir, 'proj');
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string) as unknown;

describe('studio train with a forgetting reference, and studio forgetting after the fact', () => {
  it('scores the reference after training, stores it, and scores a run again on another reference', () => {
    // Relative to the config's folder, as the dataset is.
    fs.mkdirSync(path.join(tmp.dir, 'data'), { recursive: true });
    fs.copyFileSync(
      path.join(OWN_FIXTURES_DIR, 'datasets/continual-topic.csv'),
      path.join(tmp.dir, 'data/topic.csv'),
    );
    const config = path.join(tmp.dir, 'train.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        project: 'proj',
        model: 'default',
        dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
        method: { type: 'lora', r: 2, alpha: 4 },
        train: { epochs: 1, batchSize: 4, maxLength: 24 },
        forgetting: { reference: { path: 'data/topic.csv' }, maxExamples: 20 },
      }),
    );
    const trained = studio(['train', '--config', config, '--json']);
    expectSuccess(trained);
    const summary = lastJson(trained.stdout) as {
      status: string;
      forgetting: {
        reference: string;
        baseWeightsChanged: number;
        classification: { agreement: number; lossBefore: number; lossAfter: number };
      };
    };
    expect(summary.status).toBe('completed');
    expect(summary.forgetting.reference).toBe(path.join(tmp.dir, 'data/topic.csv'));
    expect(summary.forgetting.baseWeightsChanged).toBe(0);
    expect(summary.forgetting.classification.agreement).toBe(1);
    expect(summary.forgetting.classification.lossAfter).toBe(summary.forgetting.classification.lossBefore);

    const after = studio([
      'forgetting',
      '--project',
      project,
      '--run',
      '1',
      '--reference',
      'sample:moby-dick',
      '--max-examples',
      '4',
    ]);
    expectSuccess(after);
    expect(after.stdout).toMatch(
      /forgetting on sample:moby-dick \(4 examples\): 0 of \d+ base weights changed/,
    );
    expect(after.stdout).toMatch(/masked-lm loss (\d+\.\d{4}) -> \1 \(\+0\.0000\)/);

    const db = openDatabase(path.join(project, 'studio.db'));
    const stored = forgettingForRun(db, 1);
    db.close();
    expect(stored.map((r) => r.reference).sort()).toEqual([
      path.join(tmp.dir, 'data/topic.csv'),
      'sample:moby-dick',
    ]);
  }, 300_000);

  it('refuses an unknown run and a bad --max-examples with one line', () => {
    expectUserError(
      studio(['forgetting', '--project', project, '--run', '99', '--reference', 'sample:moby-dick']),
      /run 99: no such run/,
    );
    expectUserError(
      studio([
        'forgetting',
        '--project',
        project,
        '--run',
        '1',
        '--reference',
        'sample:moby-dick',
        '--max-examples',
        '0',
      ]),
      /--max-examples: "0" is not a whole number from 1 to 5000/,
    );
  }, 120_000);
});
