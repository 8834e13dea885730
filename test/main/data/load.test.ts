import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, datasetStats, loadDataset, splitRows } from '../../../src-main/data/index.ts';
import { OWN_FIXTURES_DIR } from '../../helpers/fixtures.ts';

const ds = (f: string) => path.join(OWN_FIXTURES_DIR, 'datasets', f);

describe('dataset import', () => {
  it('reads a CSV, guesses columns, discovers labels and hashes the content', () => {
    const d = loadDataset({ path: ds('small.csv') });
    expect(d.kind).toBe('classification');
    expect(d.columns).toEqual({ text: 'text', label: 'label' });
    expect(d.labels).toEqual(['neg', 'pos']);
    expect(d.rows).toHaveLength(8);
    expect(d.rows[0]).toEqual({ text: 'the movie was great', label: 'pos', line: 2 });
    expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
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

  it('splits deterministically by seed, stratified by label', () => {
    const d = loadDataset({ path: ds('small.csv') });
    const a = splitRows(d.rows, { seed: 1, validationFraction: 0.25, stratify: true });
    const b = splitRows(d.rows, { seed: 1, validationFraction: 0.25, stratify: true });
    const c = splitRows(d.rows, { seed: 2, validationFraction: 0.25, stratify: true });
    expect(a).toEqual(b);
    expect(a.validation.map((r) => r.label).sort()).toEqual(['neg', 'pos']);
    expect(a.train.length + a.validation.length).toBe(8);
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('computes stats with duplicates and conflicting labels', () => {
    const s = datasetStats([
      { text: 'a b c', label: 'x', line: 1 },
      { text: 'a b c', label: 'y', line: 2 },
      { text: 'd', label: 'x', line: 3 },
    ]);
    expect(s).toMatchObject({ rows: 3, labelCounts: { x: 2, y: 1 }, duplicates: 1, conflicting: 1 });
    expect(s.lengthPercentiles.max).toBe(3);
  });

  it.each(SAMPLES.map((s) => s.name))('loads the built-in sample %s from its npm package', (name) => {
    const d = loadDataset({ sample: name });
    if (d.kind === 'lm') expect(d.text?.length).toBeGreaterThan(100_000);
    else {
      expect(d.rows.length).toBeGreaterThan(1000);
      expect(d.labels.length).toBe(2);
    }
  });
});
