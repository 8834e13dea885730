/**
 * An imported run draws the curves it trained with: a bundle carries every metric point of the run
 * (metrics.jsonl, hashed in the manifest) and the importer records them; a forged curves file is refused in one
 * line before anything is written.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../../src-shared/export.ts';
import { trainConfigSchema } from '../../../src-shared/train-config.ts';
import { logMetrics, metricsForRun } from '../../../src-main/db/tables/metrics.ts';
import type { MetricPoint } from '../../../src-main/db/tables/metrics.ts';
import { getRun, updateRunStatus } from '../../../src-main/db/tables/runs.ts';
import { CURVES_FILE } from '../../../src-main/export/bundle-curves.ts';
import { exportRun } from '../../../src-main/export/index.ts';
import { importBundle } from '../../../src-main/export/import-bundle.ts';
import {
  copyTinyLora,
  newProjectFolder,
  recordRunWithAdapter,
  TINY_BERT,
} from '../../helpers/export-fixtures.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-bundle-curves-');
afterAll(() => tmp.cleanup());

/** A recorded LoRA run with a loss curve, two evaluations, a learning-rate schedule and the baseline. */
function curvedRun(): { dir: string; db: Database; runId: number } {
  const source = newProjectFolder(tmp.dir, 'source');
  const config = trainConfigSchema.parse({
    project: source.dir,
    model: TINY_BERT,
    name: 'curved lora',
    dataset: { path: path.join(OWN_FIXTURES_DIR, 'datasets/small.csv') },
    method: { type: 'lora', r: 2, alpha: 4 },
    train: { maxSteps: 10 },
  });
  const runId = recordRunWithAdapter(
    source.db,
    source.dir,
    { name: 'curved lora', method: 'lora', config: config as unknown as Record<string, unknown> },
    copyTinyLora,
  );
  // A finished run's step is its last one (the final metrics are recorded there).
  updateRunStatus(source.db, runId, { step: 10, totalSteps: 10 });
  const points: MetricPoint[] = [{ split: 'system', name: 'baseline_accuracy', step: 0, value: 0.5 }];
  for (let step = 1; step <= 10; step++) {
    points.push({ split: 'train', name: 'loss', step, value: 1 / step });
    points.push({ split: 'train', name: 'lr', step, value: 1e-3 * (1 - step / 20) });
  }
  points.push({ split: 'validation', name: 'accuracy', step: 5, value: 0.625 });
  points.push({ split: 'validation', name: 'accuracy', step: 10, value: 0.75 });
  logMetrics(source.db, runId, points);
  return { dir: source.dir, db: source.db, runId };
}

const sortPoints = (ps: MetricPoint[]) =>
  [...ps].sort((a, b) => `${a.split}/${a.name}/${a.step}`.localeCompare(`${b.split}/${b.name}/${b.step}`));

describe('bundle curves', () => {
  let bundle = '';
  let original: MetricPoint[] = [];

  it('export writes every point of the run; import records them, so the imported run has its curves', async () => {
    const run = curvedRun();
    bundle = path.join(tmp.dir, 'curved.zip');
    await exportRun(run.db, run.dir, run.runId, 'bundle', bundle);
    original = metricsForRun(run.db, run.runId);
    run.db.close();
    expect(original.length).toBe(23);
    const entries = unzipSync(fs.readFileSync(bundle));
    expect(Object.keys(entries)).toContain(CURVES_FILE);
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as BundleManifest;
    expect(manifest.files[CURVES_FILE]?.bytes).toBe(entries[CURVES_FILE]?.length);

    const target = newProjectFolder(tmp.dir, 'target');
    const { runId } = await importBundle(target.db, target.dir, bundle);
    const imported = metricsForRun(target.db, runId);
    expect(sortPoints(imported)).toEqual(sortPoints(original));
    // The loss curve has all ten points, not one.
    expect(imported.filter((p) => p.name === 'loss')).toHaveLength(10);
    target.db.close();
  });

  const forge = (name: string, curves: string): string => {
    const entries = unzipSync(fs.readFileSync(bundle));
    const data = new TextEncoder().encode(curves);
    entries[CURVES_FILE] = data;
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as BundleManifest;
    // Whoever edits the file can recompute its hash: the content itself must be refused.
    manifest.files[CURVES_FILE] = {
      sha256: crypto.createHash('sha256').update(data).digest('hex'),
      bytes: data.length,
    };
    entries['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest));
    const out = path.join(tmp.dir, `${name}.zip`);
    fs.writeFileSync(out, zipSync(entries));
    return out;
  };

  it.each([
    ['not-json', '{"split":"train"\n', /metrics\.jsonl line 1 is not JSON$/],
    ['bad-split', '{"split":"evil","name":"loss","step":1,"value":1}\n', /line 1: split: /],
    ['bad-name', '{"split":"train","name":"a,b","step":1,"value":1}\n', /line 1: name: not a metric name$/],
    ['float-step', '{"split":"train","name":"loss","step":1.5,"value":1}\n', /line 1: step: /],
    ['extra-key', '{"split":"train","name":"loss","step":1,"value":1,"x":2}\n', /line 1: /],
    ['null-value', '{"split":"train","name":"loss","step":1,"value":null}\n', /line 1: value: /],
  ])(
    'a forged curves file (%s) is refused in one line and nothing is written',
    async (name, curves, message) => {
      const zip = forge(name, curves);
      const target = newProjectFolder(tmp.dir, `forged-${name}`);
      const err = await importBundle(target.db, target.dir, zip).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain('\n');
      expect(getRun(target.db, 1)).toBeUndefined();
      expect(fs.readdirSync(path.join(target.dir, 'artifacts'))).toEqual([]);
      target.db.close();
    },
  );
});
