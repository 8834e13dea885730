import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  corpusStats,
  datasetStats,
  hashFiles,
  lengthStats,
  loadDataset,
  whitespaceTokens,
} from '../../../src-main/data/index.ts';
import type { TextRow } from '../../../src-main/data/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-stats-');
afterAll(tmp.cleanup);

const row = (text: string, label: string, line: number, textPair?: string): TextRow => ({
  text,
  label,
  line,
  ...(textPair !== undefined ? { textPair } : {}),
});

describe('stats', () => {
  it('computes nearest-rank percentiles', () => {
    const s = lengthStats(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(s).toEqual({ min: 1, p50: 50, p90: 90, p95: 95, p99: 99, max: 100, mean: 50.5 });
    expect(lengthStats([])).toMatchObject({ p50: 0, max: 0, mean: 0 });
  });

  it('counts labels, whitespace tokens, duplicates and conflicting labels', () => {
    const s = datasetStats([
      row('a b c', 'x', 2),
      row('a b c', 'y', 3),
      row('a b c', 'x', 4),
      row('d', 'x', 5),
      row('d', 'x', 6, 'other'),
    ]);
    expect(s.rows).toBe(5);
    expect(s.labelCounts).toEqual({ x: 4, y: 1 });
    expect(s.tokenizer).toBe('whitespace');
    expect(s.lengthPercentiles.max).toBe(3);
    expect(s.lengthPercentiles.min).toBe(1);
    expect(s.duplicates).toBe(2);
    expect(s.conflicting).toBe(1);
    expect(s.duplicateExamples).toEqual([
      ['2', '3'],
      ['2', '4'],
    ]);
    expect(s.conflictExamples).toEqual([{ text: 'a b c', labels: ['x', 'y'] }]);
  });

  it('measures lengths with a given tokenizer (text and pair together)', () => {
    const chars = (t: string) => [...t].map((c) => c.charCodeAt(0));
    const s = datasetStats([row('abcd', 'x', 1), row('ab', 'y', 2, 'c')], chars);
    expect(s.tokenizer).toBe('model');
    expect(s.lengthPercentiles).toMatchObject({ min: 4, max: 4 }); // 'ab c' is 4 characters
    expect(whitespaceTokens('  one\ttwo\nthree ')).toBe(3);
  });

  it('describes a corpus by lines, characters and tokens', () => {
    const s = corpusStats('call me\n\nIshmael\ncall me\n');
    expect(s).toMatchObject({
      rows: 3,
      characters: 25,
      tokens: 5,
      duplicates: 1,
      conflicting: 0,
      labelCounts: {},
    });
  });

  it('reports stats on a loaded dataset, with a model tokenizer when given', () => {
    const file = path.join(tmp.dir, 'd.csv');
    fs.writeFileSync(file, 'text,label\nhello world,a\nhello world,b\nbye,a\n');
    const d = loadDataset(
      { path: file },
      { tokenize: (t) => t.split('').map(() => 0), validationFraction: 0 },
    );
    expect(d.stats).toMatchObject({ rows: 3, duplicates: 1, conflicting: 1, tokenizer: 'model' });
    expect(d.stats.lengthPercentiles.max).toBe(11);
    expect(d.warnings).toEqual([
      '1 duplicate texts (repeats of an earlier one)',
      '1 duplicate texts with a different label',
    ]);
  });
});

describe('content hash', () => {
  it('is the sha256 of a file bytes', () => {
    const file = path.join(tmp.dir, 'h.csv');
    fs.writeFileSync(file, 'text,label\na,x\nb,y\n');
    const expected = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(loadDataset({ path: file }).contentHash).toBe(expected);
  });

  it('of a folder depends on sorted relative paths and bytes, not on listing order', () => {
    const root = '/r';
    const f = (rel: string, s: string) => ({ file: path.join(root, rel), bytes: Buffer.from(s) });
    const a = hashFiles(root, [f('cat/1.png', 'A'), f('dog/1.png', 'B')]);
    expect(hashFiles(root, [f('dog/1.png', 'B'), f('cat/1.png', 'A')])).toBe(a);
    expect(hashFiles(root, [f('cat/1.png', 'B'), f('dog/1.png', 'A')])).not.toBe(a);
    expect(hashFiles(root, [f('cat/2.png', 'A'), f('dog/1.png', 'B')])).not.toBe(a);
    // Length prefixes: moving bytes between a name and its content changes the hash.
    expect(hashFiles(root, [f('ab', 'c')])).not.toBe(hashFiles(root, [f('a', 'bc')]));
  });
});
