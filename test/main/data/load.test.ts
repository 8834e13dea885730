import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError, SAMPLES, datasetStats, loadDataset, splitRows } from '../../../src-main/data/index.ts';
import type { DatasetSpec } from '../../../src-shared/train-config.ts';
import { OWN_FIXTURES_DIR, REPO_ROOT } from '../../helpers/fixtures.ts';
import { tempDir } from '../../helpers/temp.ts';

const SAMPLE_MANIFEST = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'resources/samples/samples.json'), 'utf8'),
) as Record<string, unknown>;

const ds = (f: string) => path.join(OWN_FIXTURES_DIR, 'datasets', f);
const tmp = tempDir('studio-load-');
afterAll(tmp.cleanup);

describe('loadDataset', () => {
  it('reads a CSV, guesses columns, discovers labels and hashes the content', () => {
    const d = loadDataset({ path: ds('small.csv') });
    expect(d.kind).toBe('classification');
    expect(d.columns).toEqual({ text: 'text', label: 'label' });
    expect(d.labels).toEqual(['neg', 'pos']);
    expect(d.labelToId).toEqual({ neg: 0, pos: 1 });
    expect(d.rows).toHaveLength(8);
    expect(d.rows[0]).toEqual({ text: 'the movie was great', label: 'pos', line: 2 });
    expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(d.source).toBe(ds('small.csv'));
  });

  it('returns train and validation carved by seed and a test part when asked', () => {
    const d = loadDataset(
      { path: ds('small.csv') },
      { seed: 3, validationFraction: 0.25, testFraction: 0.25 },
    );
    if (d.kind === 'lm' || d.kind === 'image') throw new Error('expected a text dataset');
    expect([d.train.length, d.validation.length, d.test?.length]).toEqual([4, 2, 2]);
    expect(d.validation.map((r) => r.label).sort()).toEqual(['neg', 'pos']);
    expect(d.split).toEqual({
      seed: 3,
      validation: 0.25,
      test: 0.25,
      stratified: true,
      counts: { train: 4, validation: 2, test: 2 },
    });
    const again = loadDataset(
      { path: ds('small.csv') },
      { seed: 3, validationFraction: 0.25, testFraction: 0.25 },
    );
    expect(again).toEqual(d);
    const noTest = loadDataset({ path: ds('small.csv') });
    expect('test' in noTest).toBe(false);
  });

  it('reads sentence pairs from a TSV', () => {
    const d = loadDataset({
      path: ds('pairs.tsv'),
      text: 'sentence1',
      textPair: 'sentence2',
      label: 'label',
    });
    expect(d.kind).toBe('pair-classification');
    expect(d.rows[1]).toMatchObject({
      text: 'A dog runs.',
      textPair: 'A cat sleeps.',
      label: 'contradiction',
    });
  });

  it('uses a separate validation file with the same mapping, and hashes both', () => {
    const val = path.join(tmp.dir, 'val.jsonl');
    fs.writeFileSync(val, '{"text":"fine film","label":"pos"}\n{"text":"dull","label":"neg"}\n');
    const d = loadDataset({ path: ds('small.csv'), validation: val });
    if (d.kind === 'lm' || d.kind === 'image') throw new Error('expected a text dataset');
    expect(d.train).toHaveLength(8);
    expect(d.validation.map((r) => r.text)).toEqual(['fine film', 'dull']);
    expect(d.validationRows).toEqual(d.validation);
    expect(d.split.validation).toBe('file');
    expect(d.contentHash).not.toBe(loadDataset({ path: ds('small.csv') }).contentHash);
  });

  it('resolves relative paths against baseDir', () => {
    const d = loadDataset({ path: 'small.csv' }, { baseDir: path.join(OWN_FIXTURES_DIR, 'datasets') });
    expect(d.source).toBe(ds('small.csv'));
  });

  it('validates the spec and options with zod, as a DatasetError', () => {
    expect(() => loadDataset({ path: 'x.csv', txt: 'a' } as unknown as DatasetSpec)).toThrow(
      /^dataset: invalid dataset config/,
    );
    expect(() =>
      loadDataset({ path: ds('small.csv') }, { validationFraction: 0.7, testFraction: 0.3 }),
    ).toThrow(DatasetError);
    expect(() => loadDataset({ path: ds('small.csv') }, { seed: -1 })).toThrow(/invalid options \(seed/);
  });

  it('splits deterministically by seed, stratified by label (splitRows)', () => {
    const d = loadDataset({ path: ds('small.csv') });
    const a = splitRows(d.rows, { seed: 1, validationFraction: 0.25, stratify: true });
    const b = splitRows(d.rows, { seed: 1, validationFraction: 0.25, stratify: true });
    const c = splitRows(d.rows, { seed: 2, validationFraction: 0.25, stratify: true });
    expect(a).toEqual(b);
    expect(a.validation.map((r) => r.label).sort()).toEqual(['neg', 'pos']);
    expect(a.train.length + a.validation.length).toBe(8);
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('computes stats with duplicates and conflicting labels (datasetStats)', () => {
    const s = datasetStats([
      { text: 'a b c', label: 'x', line: 1 },
      { text: 'a b c', label: 'y', line: 2 },
      { text: 'd', label: 'x', line: 3 },
    ]);
    expect(s).toMatchObject({ rows: 3, labelCounts: { x: 2, y: 1 }, duplicates: 1, conflicting: 1 });
    expect(s.lengthPercentiles.max).toBe(3);
  });

  it.each(SAMPLES.map((s) => [s.name, s]))(
    'loads the built-in sample %s from its file in resources/samples',
    (name, info) => {
      const d = loadDataset({ sample: name });
      // Whole, as samples.json records it: the corpora's text, every clip of the video set, every row of a table.
      const recorded = SAMPLE_MANIFEST[name] as { rows: number; characters?: number };
      if (d.kind === 'lm') expect(d.text.length).toBeGreaterThan(0.9 * (recorded.characters ?? 0));
      else if (d.kind === 'image') {
        expect(d.images.length).toBe(recorded.rows);
        expect(d.labels).toEqual(info.labels);
        expect(d.train.length + d.validation.length).toBe(d.images.length);
      } else {
        expect(d.rows.length).toBe(recorded.rows);
        expect(d.labels).toEqual(info.labels);
        expect(d.train.length + d.validation.length).toBe(d.rows.length);
      }
      expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
    },
  );
});
