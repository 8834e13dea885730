import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src-main/data/index.ts';
import { runView } from '../../../src-main/services/runs.ts';
import { startRun } from '../../../src-main/services/training.ts';
import { datasetBaseline, majorityBaseline } from '../../../src-main/training/baseline.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { newProjectFolder, TINY_BERT } from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-baseline-');
afterAll(() => tmp.cleanup());

describe('majority-class baseline', () => {
  it("predicts the training split's most frequent label and scores it on validation", () => {
    // Train: a a b -> "a". Validation a b b b: 1 of 4 right. F1(a) = 2·1/(2·1 + 3 fp) = 0.4, F1(b) = 0.
    const b = majorityBaseline(['a', 'a', 'b'], ['a', 'b', 'b', 'b'], ['a', 'b']);
    expect(b).toEqual({ classIndex: 0, accuracy: 0.25, macroF1: 0.2 });
    // A tie goes to the earlier label; empty splits have no baseline.
    expect(majorityBaseline(['b', 'a'], ['b'], ['a', 'b'])?.classIndex).toBe(0);
    expect(majorityBaseline([], ['a'], ['a'])).toBeNull();
  });

  it('is stored with a run when it starts and shown in its view, from the split training uses', async () => {
    const p = newProjectFolder(tmp.dir, 'p');
    const config = trainConfigSchema.parse({
      project: p.dir,
      model: TINY_BERT,
      dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
      method: { type: 'head' },
      train: { epochs: 1, batchSize: 4, maxLength: 8, seed: 5 },
    });
    const want = datasetBaseline(loadDataset(config.dataset), 5);
    expect(want).not.toBeNull();
    const run = startRun(p.db, p.dir, config);
    // Stored before the first step: the run page shows it while training.
    const early = runView(p.db, run.runId).baseline;
    expect(early?.accuracy).toBe(want?.accuracy);
    expect(early?.macroF1).toBe(want?.macroF1);
    expect(early?.label).toBe(['neg', 'pos'][want?.classIndex ?? -1]);
    expect((await run.done).status).toBe('completed');
    const view = runView(p.db, run.runId);
    expect(view.baseline).toEqual(early);
    expect(Object.keys(view.bestMetrics).sort()).toEqual(Object.keys(view.finalMetrics).sort());
    expect(view.bestMetrics.loss).toBeLessThanOrEqual(view.finalMetrics.loss as number);
    expect(view.bestMetrics.accuracy).toBeGreaterThanOrEqual(view.finalMetrics.accuracy as number);
    p.db.close();
  }, 120_000);
});
