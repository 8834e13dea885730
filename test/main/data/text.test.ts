import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkText, chunkTokens, loadDataset, splitText } from '../../../src-main/data/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const tmp = tempDir('studio-text-');
afterAll(tmp.cleanup);

describe('language-modelling text', () => {
  const ids = Array.from({ length: 10 }, (_, i) => i);

  it('chunks token ids into context-length windows, dropping a last window too short to train on', () => {
    expect(chunkTokens(ids, 4)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(chunkTokens(ids.slice(0, 9), 4)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(chunkTokens(ids, 4, { minLength: 4 })).toHaveLength(2);
  });

  it('supports overlapping windows with a stride', () => {
    expect(chunkTokens(ids.slice(0, 7), 4, { stride: 2 })).toEqual([
      [0, 1, 2, 3],
      [2, 3, 4, 5],
      [4, 5, 6],
    ]);
    expect(() => chunkTokens(ids, 4, { stride: 5 })).toThrow(RangeError);
    expect(() => chunkTokens(ids, 1)).toThrow(RangeError);
  });

  it('chunks text with any tokenize function', () => {
    const words = (t: string) => t.split(' ').map((w) => w.length);
    expect(chunkText('a bb ccc dddd eeeee', words, 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('splits a corpus contiguously at line boundaries, validation and test from the end', () => {
    const text = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const s = splitText(text, 0.2, 0.1);
    expect(s.train + s.validation + s.test).toBe(text);
    expect(s.train.endsWith('\n')).toBe(true);
    expect(s.validation.startsWith('line')).toBe(true);
    expect(s.test).toBe('line 9\n');
    expect(splitText(text, 0).validation).toBe('');
  });

  it('loads a .txt corpus with its splits, stats and hash', () => {
    const file = path.join(tmp.dir, 'corpus.txt');
    fs.writeFileSync(file, Array.from({ length: 50 }, (_, i) => `Sentence number ${i}.`).join('\r\n'));
    const d = loadDataset({ path: file });
    expect(d.kind).toBe('lm');
    if (d.kind !== 'lm') return;
    expect(d.text).not.toContain('\r');
    expect(d.train + d.validation).toBe(d.text);
    expect(d.validation.length / d.text.length).toBeCloseTo(0.2, 1);
    expect(d.stats).toMatchObject({ rows: 50, tokens: 150 });
    expect(d.labels).toEqual([]);
  });

  it('uses a separate validation .txt when given', () => {
    const train = path.join(tmp.dir, 'train.txt');
    const val = path.join(tmp.dir, 'val.txt');
    fs.writeFileSync(train, 'one two three\n');
    fs.writeFileSync(val, 'four five\n');
    const d = loadDataset({ path: train, validation: val });
    expect(d.kind === 'lm' && [d.train, d.validation]).toEqual(['one two three\n', 'four five\n']);
    expect(d.split.validation).toBe('file');
  });
});
